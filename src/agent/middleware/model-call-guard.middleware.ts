import { AIMessage } from '@langchain/core/messages';
import { raceWithSignal } from '@langchain/core/runnables';
import { createMiddleware } from 'langchain';
import { AgentTimeoutError } from '../agent.errors';
import { toAgentModelError } from '../model-error.classifier';
import { USAGE_ESTIMATED_KEY } from '../run-usage';
import { countMessagesTokens, countTokens, countToolCallTokens } from '../tokenizer';
import { withCallSignal } from './model-call-signal';

/**
 * Guards every model call:
 * - a per-call timeout: its own AbortSignal reaches the provider (the run's signal is kept too),
 *   and the call is abandoned at the deadline even if the provider ignores the signal; it then
 *   fails with {@link AgentTimeoutError}, which a cancel never does;
 * - typed errors: provider failures become `AgentModelError` with `retryable` set;
 * - usage: a response without provider-reported `usage_metadata` gets one counted with the
 *   tokenizer (input: the system prompt and the trimmed messages sent; output: the answer) and is
 *   marked `response_metadata.usage_estimated`.
 * A cancelled run's abort error passes through untouched, for the runner to report as a cancel.
 */
export function modelCallGuardMiddleware(options: { timeoutMs: number }) {
  return createMiddleware({
    name: 'ModelCallGuardMiddleware',
    wrapModelCall: async (request, handler) => {
      const runSignal = request.runtime.signal;
      const deadline = new AbortController();
      const timer = setTimeout(
        () => deadline.abort(new AgentTimeoutError(options.timeoutMs)),
        options.timeoutMs,
      );
      try {
        const call = handler({ ...request, model: withCallSignal(request.model, deadline.signal) });
        const response = await raceWithSignal(Promise.resolve(call), deadline.signal);
        return withUsage(response, () =>
          countMessagesTokens([request.systemMessage, ...request.messages].filter((m) => m?.text)),
        );
      } catch (error) {
        if (runSignal?.aborted) throw error;
        if (deadline.signal.aborted) throw deadline.signal.reason;
        throw toAgentModelError(error, options.timeoutMs);
      } finally {
        clearTimeout(timer);
      }
    },
  });
}

/** Counts only when the provider reported nothing: its figures are the right ones, and free. */
function withUsage(response: AIMessage, countInput: () => number): AIMessage {
  if (!AIMessage.isInstance(response) || response.usage_metadata) return response;
  const inputTokens = countInput();
  const outputTokens = countTokens(response.text) + countToolCallTokens(response);
  response.usage_metadata = {
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
  };
  response.response_metadata = { ...response.response_metadata, [USAGE_ESTIMATED_KEY]: true };
  return response;
}
