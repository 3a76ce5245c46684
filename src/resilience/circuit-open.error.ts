import { BrokenCircuitError } from 'cockatiel';
import type { HttpDescription } from '../common/errors/http-description';
import { retryAfterHeaders } from '../common/http/retry-after';

/** Why a call was refused without reaching the dependency. */
export type CircuitOpenReason = 'open' | 'half_open_busy' | 'isolated';

/**
 * Thrown to callers when a breaker refuses a call; HTTP answers 503 with `Retry-After`.
 * Extends cockatiel's `BrokenCircuitError` so `isBrokenCircuitError()` recognises it and a
 * cockatiel retry policy can be told never to retry it.
 */
export class CircuitOpenError extends BrokenCircuitError {
  override readonly name = 'CircuitOpenError';
  /** Stable code for the HTTP exception filter. */
  readonly code = 'circuit_open';

  constructor(
    /** The breaker that refused the call. */
    readonly breakerName: string,
    /** A hint for `Retry-After`: when a call may be admitted again, in milliseconds from now. */
    readonly retryAfterMs: number,
    /** `open`: waiting for the recovery timeout; `half_open_busy`: trial calls in flight; `isolated`: held open by an operator. */
    readonly reason: CircuitOpenReason,
  ) {
    super(`Circuit breaker "${breakerName}" is open (${reason}); retry after ${retryAfterMs} ms`);
  }

  /** 503 with `Retry-After`. */
  toHttp(): HttpDescription {
    return {
      status: 503,
      code: this.code,
      detail: this.message,
      headers: retryAfterHeaders(this.retryAfterMs),
    };
  }
}
