import type { HttpDescription } from '../common/errors/http-description';

/** Thrown by the registry for a breaker name it does not own; HTTP answers 404. */
export class UnknownBreakerError extends Error {
  override readonly name = 'UnknownBreakerError';
  /** Stable code for the HTTP exception filter. */
  readonly code = 'circuit_breaker_not_found';

  constructor(
    /** The name that was asked for. */
    readonly breakerName: string,
    /** The names the registry does own, for the error message and problem details. */
    readonly knownNames: readonly string[],
  ) {
    super(`Unknown circuit breaker "${breakerName}"; known: ${knownNames.join(', ')}`);
  }

  /** 404, as for any resource that does not exist. */
  toHttp(): HttpDescription {
    return { status: 404, code: this.code, detail: this.message };
  }
}
