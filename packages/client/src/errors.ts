import type { Problem } from './types.js';

/** An error answer of the server (`application/problem+json`), after any retries. */
export class AgentApiError extends Error {
  override readonly name = 'AgentApiError';
  /** The HTTP status. */
  readonly status: number;
  /** The problem's machine-readable code (`run_active`, `rate_limited`, …), when it has one. */
  readonly code: string | undefined;
  /** The whole problem body (a minimal one when the answer was not problem+json). */
  readonly problem: Problem;
  /** `Retry-After` in milliseconds, when the answer carried one. */
  readonly retryAfterMs: number | undefined;
  /** The request id the server logged the request under. */
  readonly requestId: string | undefined;

  constructor(problem: Problem, retryAfterMs: number | undefined, requestId: string | undefined) {
    super(problem.detail ?? problem.title);
    this.status = problem.status;
    this.code = problem.code;
    this.problem = problem;
    this.retryAfterMs = retryAfterMs;
    this.requestId = requestId;
  }

  /** The run in the way, for a `409 run_active` (follow it with `resume`, or cancel it). */
  get runId(): string | undefined {
    return typeof this.problem.run_id === 'string' ? this.problem.run_id : undefined;
  }
}
