import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { CircuitBreakerInterceptor } from './circuit-breaker.interceptor';
import { CIRCUIT_BREAKER_METADATA } from './circuit-breaker.metadata';

/**
 * Runs the decorated route handler (or every handler of the decorated controller) through the
 * named breaker: `@UseCircuitBreaker('database')`. It applies {@link CircuitBreakerInterceptor}
 * itself, so do not also register that interceptor globally. Not for `@Sse()` handlers: a breaker
 * wraps one call to a dependency, never a whole stream.
 */
export function UseCircuitBreaker(name: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(CIRCUIT_BREAKER_METADATA, name),
    UseInterceptors(CircuitBreakerInterceptor),
  );
}
