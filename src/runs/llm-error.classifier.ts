import { AgentCancelledError, AgentTimeoutError } from '../agent';
import { classifyError, type ErrorClassifier } from '../resilience';

/**
 * How the `llm` breaker counts what a model call threw. A cancel (the user, a leaving client,
 * shutdown) says nothing about the provider and is ignored; the agent's own per-call timeout is a
 * timeout; everything else is judged like any dependency error (HTTP status, network codes),
 * which the agent's errors carry.
 */
export const classifyLlmError: ErrorClassifier = (error) => {
  if (error instanceof AgentCancelledError) return 'ignored';
  if (error instanceof AgentTimeoutError) return 'timeout';
  return classifyError(error);
};
