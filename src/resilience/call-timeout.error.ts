import { TaskCancelledError } from 'cockatiel';
import type { HttpDescription } from '../common/errors/http-description';

/**
 * Thrown to callers when a call outlives the breaker's `callTimeoutMs`; HTTP answers 504.
 * It is also the reason of the AbortSignal the callee received. Extends cockatiel's
 * `TaskCancelledError`, which is what cockatiel's own timeout policy throws. Test for it with
 * `instanceof`: cockatiel 3.2.1's `isTaskCancelledError()` checks the wrong property and is always
 * false.
 */
export class CallTimeoutError extends TaskCancelledError {
  override readonly name = 'CallTimeoutError';
  /** Stable code for the HTTP exception filter. */
  readonly code = 'call_timeout';

  constructor(
    /** The breaker whose timeout fired. */
    readonly breakerName: string,
    /** The limit that was exceeded. */
    readonly timeoutMs: number,
  ) {
    super(`Call through circuit breaker "${breakerName}" timed out after ${timeoutMs} ms`);
  }

  /** 504: the dependency behind the breaker did not answer in time. */
  toHttp(): HttpDescription {
    return { status: 504, code: this.code, detail: this.message };
  }
}
