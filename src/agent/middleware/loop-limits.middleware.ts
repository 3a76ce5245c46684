import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { createMiddleware } from 'langchain';

/**
 * Thrown instead of a model call when the loop must stop: the run made its `maxModelCalls` calls,
 * or every tool call of the model's last answer was over `maxToolCalls`. The runner ends such a
 * run with `finish_reason: "length"` and what the model said so far.
 */
export class LoopLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoopLimitError';
  }
}

/** What a blocked tool call answers (LangChain's own words for it). */
export const TOOL_CALL_LIMIT_MESSAGE =
  'Tool call limit exceeded. Do not make additional tool calls.';

/** Whether the tool call got this middleware's refusal as its result. */
function wasRefused(turn: readonly BaseMessage[], callId: string | undefined): boolean {
  return turn.some(
    (m) =>
      ToolMessage.isInstance(m) &&
      m.tool_call_id === callId &&
      m.status === 'error' &&
      m.content === TOOL_CALL_LIMIT_MESSAGE,
  );
}

/** The messages of the current turn: those after the last user message. */
function currentTurn(messages: readonly BaseMessage[]): BaseMessage[] {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (HumanMessage.isInstance(messages[i])) return messages.slice(i + 1);
  }
  return [...messages];
}

/**
 * The run's bounds on its loop: at most `maxModelCalls` model calls (one more throws
 * {@link LoopLimitError}) and `maxToolCalls` tool calls (later calls are not run: they answer an
 * error result; when every call of an answer was refused the loop ends, otherwise the model reads
 * the refusals and goes on). The semantics of LangChain's `modelCallLimitMiddleware` (`exitBehavior:
 * "error"`) and `toolCallLimitMiddleware` (`"continue"`), which it replaces for speed: those keep
 * their counts in the graph's state, which costs five graph steps per run (before and after each
 * model call, and at the run's end), each with LangChain's per-step bookkeeping: about 45% of a
 * short run's agent CPU in the benchmark. Here the counts are read from the turn's messages (a
 * turn is what follows the last user message: a run, also when it pauses for approval and goes
 * on), inside the model and tool calls, which add no step. Listed first, so that a refused call
 * reaches no other middleware (the resilience hooks never see it).
 */
export function loopLimitsMiddleware(options: { maxModelCalls: number; maxToolCalls: number }) {
  return createMiddleware({
    name: 'LoopLimitsMiddleware',
    wrapModelCall: (request, handler) => {
      const turn = currentTurn(request.state.messages);
      const answers = turn.filter((m) => AIMessage.isInstance(m));
      if (answers.length >= options.maxModelCalls) {
        throw new LoopLimitError(`Model call limit reached: ${answers.length} calls`);
      }
      // As LangChain's limit did: when every call of the last answer was refused, the loop ends.
      const calls = answers.at(-1)?.tool_calls ?? [];
      if (calls.length > 0 && calls.every((call) => wasRefused(turn, call.id))) {
        throw new LoopLimitError(`Tool call limit reached: ${options.maxToolCalls} calls`);
      }
      return handler(request);
    },
    wrapToolCall: (request, handler) => {
      // The call's place among the turn's tool calls, in the order the model made them.
      let index = 0;
      for (const message of currentTurn(request.state.messages)) {
        if (!AIMessage.isInstance(message)) continue;
        for (const call of message.tool_calls ?? []) {
          if (call.id === request.toolCall.id) {
            if (index < options.maxToolCalls) return handler(request);
            return new ToolMessage({
              content: TOOL_CALL_LIMIT_MESSAGE,
              tool_call_id: request.toolCall.id ?? '',
              name: request.toolCall.name,
              status: 'error',
            });
          }
          index += 1;
        }
      }
      return handler(request);
    },
  });
}
