import type { AgentRunPartial } from './agent-run.types';

/** Machine-readable kind of an {@link AgentError}. */
export type AgentErrorCode = 'cancelled' | 'timeout' | 'model_error' | 'configuration';

/**
 * Base of the errors the agent core throws. A run that fails after producing output carries it in
 * {@link AgentError.partial}, so the caller can store the partial answer.
 */
export abstract class AgentError extends Error {
  /** What kind of failure this is. */
  abstract readonly code: AgentErrorCode;
  /** Whether trying the same call again may succeed. */
  abstract readonly retryable: boolean;
  /** Text, messages and usage the run produced before it stopped (set by `AgentRunner`). */
  partial?: AgentRunPartial;

  protected constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The run's AbortSignal fired: the user (or the server) cancelled the run. */
export class AgentCancelledError extends AgentError {
  readonly code = 'cancelled';
  readonly retryable = false;

  /** @param message why, if known */
  constructor(message = 'The agent run was cancelled.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** One model call took longer than its budget (`timeoutMs`); distinct from a cancel. */
export class AgentTimeoutError extends AgentError {
  readonly code = 'timeout';
  readonly retryable = true;

  /** @param timeoutMs the budget that ran out */
  constructor(
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`The model call did not finish within ${timeoutMs} ms.`, options);
  }
}

/** The model provider failed (HTTP error, network error, bad response). */
export class AgentModelError extends AgentError {
  readonly code = 'model_error';
  readonly retryable: boolean;
  /** HTTP status of the provider's answer, when there was one. */
  readonly status?: number;

  /**
   * @param message what failed
   * @param details whether a retry may help, and the provider's HTTP status
   */
  constructor(message: string, details: { retryable: boolean; status?: number; cause?: unknown }) {
    super(message, { cause: details.cause });
    this.retryable = details.retryable;
    this.status = details.status;
  }
}

/** The settings cannot build a working agent (unknown provider, missing API key...). */
export class AgentConfigurationError extends AgentError {
  readonly code = 'configuration';
  readonly retryable = false;

  /** @param message which setting is wrong */
  constructor(message: string) {
    super(message);
  }
}
