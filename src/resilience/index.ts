// The resilience module's public API; import from 'src/resilience' rather than its files.
export * from './breaker-settings';
export type { BreakerState, CallOutcome } from './breaker-state';
export * from './call-timeout.error';
export * from './circuit-breaker';
export type { CircuitBreakerSnapshot } from './circuit-breaker-snapshot';
export * from './circuit-breaker.registry';
export * from './circuit-open.error';
export { systemClock, type Clock, type TimerHandle } from './clock';
export * from './error-classifier';
export * from './resilience-settings';
export * from './resilience.module';
export type { StateTransition } from './transition-history';
export * from './unknown-breaker.error';
