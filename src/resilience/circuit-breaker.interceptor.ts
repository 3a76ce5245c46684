import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { SSE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { defer, EMPTY, mergeMap, of, type Observable } from 'rxjs';
import { CIRCUIT_BREAKER_METADATA } from './circuit-breaker.metadata';
import { CircuitBreakerRegistry } from './circuit-breaker.registry';

type LastValue = { hasValue: true; value: unknown } | { hasValue: false };

// Nest hands one ExecutionContext to every interceptor of a request, so a controller and its
// method both decorated would otherwise run the handler through the breaker twice.
const wrappedContexts = new WeakSet<ExecutionContext>();

/**
 * Runs a route handler's result through the breaker named by `@UseCircuitBreaker(name)`.
 * The handler's observable is the callee: its last value is the result, and when the breaker's
 * timeout fires the subscription is torn down, which is how the abort reaches the handler.
 * `@Sse()` handlers are never wrapped: under a controller-level decorator they pass through, and a
 * method-level decorator on one is an error.
 */
@Injectable()
export class CircuitBreakerInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly registry: CircuitBreakerRegistry,
  ) {}

  /** Wraps the handler in the breaker, or passes it through when none is named. */
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const handler = context.getHandler();
    const name = this.reflector.getAllAndOverride<string | undefined>(CIRCUIT_BREAKER_METADATA, [
      handler,
      context.getClass(),
    ]);
    if (name === undefined || wrappedContexts.has(context)) {
      return next.handle();
    }
    if (this.reflector.get<boolean | undefined>(SSE_METADATA, handler) === true) {
      if (this.reflector.get<string | undefined>(CIRCUIT_BREAKER_METADATA, handler) !== undefined) {
        throw new Error(
          `@UseCircuitBreaker('${name}') cannot wrap the @Sse() handler ${handler.name}: wrap each dependency call instead`,
        );
      }
      return next.handle();
    }
    wrappedContexts.add(context);
    return defer(() =>
      this.registry.execute(name, (signal) => lastValueUntilAborted(next.handle(), signal)),
    ).pipe(mergeMap((result) => (result.hasValue ? of(result.value) : EMPTY)));
  }
}

function lastValueUntilAborted(
  source: Observable<unknown>,
  signal: AbortSignal,
): Promise<LastValue> {
  return new Promise<LastValue>((resolve, reject) => {
    let last: LastValue = { hasValue: false };
    const subscription = source.subscribe({
      next: (value) => {
        last = { hasValue: true, value };
      },
      error: reject,
      complete: () => resolve(last),
    });
    signal.addEventListener('abort', () => subscription.unsubscribe(), { once: true });
  });
}
