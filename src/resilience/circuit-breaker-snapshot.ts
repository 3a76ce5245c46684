import type { BreakerState } from './breaker-state';

/**
 * The contract's `breaker` JSON (snake_case, ISO-8601 UTC times), as returned by
 * `GET /api/v1/resilience/circuit-breakers[/{name}]`. Add fields, never rename them.
 */
export interface CircuitBreakerSnapshot {
  name: string;
  state: BreakerState;
  config: {
    failure_threshold: number;
    recovery_timeout_ms: number;
    max_recovery_timeout_ms: number;
    success_threshold: number;
    call_timeout_ms: number;
  };
  /** Length of the current open period (in HALF_OPEN: the one that just ended); the base when CLOSED. */
  current_recovery_timeout_ms: number;
  /** When an OPEN breaker will admit a trial call; null when CLOSED, HALF_OPEN or isolated. */
  next_attempt_at: string | null;
  metrics: {
    /** Every call offered to the breaker, rejected and in-flight ones included. */
    total_calls: number;
    successful_calls: number;
    /** Counted failures other than timeouts. */
    failed_calls: number;
    rejected_calls: number;
    /** The breaker's own call timeouts plus timeouts the callee reported (see the classifier). */
    timeouts: number;
  };
  last_failure_at: string | null;
  /** Bounded, newest last. */
  history: { from: BreakerState; to: BreakerState; at: string; reason: string }[];
}
