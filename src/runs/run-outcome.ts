import {
  AgentCancelledError,
  AgentError,
  AgentModelError,
  AgentTimeoutError,
  type AgentRunPartial,
  type AgentRunResult,
} from '../agent';
import { CircuitOpenError } from '../resilience';
import type { StopReason } from './live-runs.registry';
import type { RunFinishReason } from './run-event.types';

/** How a run ends: an answer (maybe `degraded`, from the cache), a partial answer, or an error. */
export type RunOutcome =
  { kind: 'complete'; result: AgentRunResult; degraded?: boolean } | FailedRunOutcome;

/** How a run that did not finish normally ends: a partial answer, or an error event. */
export type FailedRunOutcome =
  | { kind: 'partial'; finishReason: RunFinishReason; partial: AgentRunPartial }
  | {
      kind: 'error';
      code: string;
      message: string;
      retryable: boolean;
      retryAfterMs?: number;
      partial?: AgentRunPartial;
    };

const EMPTY_PARTIAL: AgentRunPartial = {
  text: '',
  messages: [],
  usage: { input_tokens: 0, output_tokens: 0, estimated: true },
};

/**
 * Decides how a run ends after the agent threw. A cancel ends with `complete_state`
 * (`finish_reason: cancelled`) and whatever text there was; a timeout that had produced text ends
 * the same way with `timeout`; shutdown, model failures, open circuits and anything unexpected end
 * with an `error` event whose `retryable` tells the client whether to try again.
 */
export function classifyRunFailure(error: unknown, stopReason?: StopReason): FailedRunOutcome {
  const partial = error instanceof AgentError ? (error.partial ?? EMPTY_PARTIAL) : undefined;
  if (error instanceof AgentCancelledError || stopReason) {
    if (stopReason === 'server_shutdown') {
      return {
        kind: 'error',
        code: 'server_shutdown',
        message: 'The server is shutting down; send the message again.',
        retryable: true,
        partial,
      };
    }
    return { kind: 'partial', finishReason: 'cancelled', partial: partial ?? EMPTY_PARTIAL };
  }
  const open = findCause(error, CircuitOpenError);
  if (open) {
    return {
      kind: 'error',
      code: 'llm_unavailable',
      message: 'The language model is unavailable right now.',
      retryable: true,
      retryAfterMs: open.retryAfterMs,
      partial,
    };
  }
  if (error instanceof AgentTimeoutError) {
    return partial && partial.text.length > 0
      ? { kind: 'partial', finishReason: 'timeout', partial }
      : {
          kind: 'error',
          code: 'llm_timeout',
          message: error.message,
          retryable: true,
          partial,
        };
  }
  if (error instanceof AgentModelError) {
    return {
      kind: 'error',
      code: 'llm_error',
      message: error.message,
      retryable: error.retryable,
      partial,
    };
  }
  return {
    kind: 'error',
    code: 'internal_error',
    message: 'The run failed unexpectedly.',
    retryable: false,
    partial,
  };
}

function findCause<T>(error: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    if (current instanceof type) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
