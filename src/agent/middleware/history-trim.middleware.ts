import { setImmediate as nextTurn } from 'node:timers/promises';
import { type BaseMessage, HumanMessage } from '@langchain/core/messages';
import { createMiddleware } from 'langchain';
import { countMessageTokens, countMessagesTokens, countTokens } from '../tokenizer';

/**
 * Counting a message holds the event loop (milliseconds for a long one): after this long, the trim
 * lets other requests run before it goes on.
 */
const YIELD_AFTER_MS = 10;

/**
 * Keeps what the model sees within `maxTokens`: the current turn (the latest user message and
 * everything after it) always, then as many of the most recent earlier messages as fit, starting
 * on a user message so that no tool result is sent without the call it answers.
 *
 * Linear: it walks back from the newest message and stops at the first that does not fit, so a
 * long conversation costs no more than the part of it that fits. (LangChain's `trimMessages`
 * copies every message and recounts the whole list once per message it drops.)
 */
export async function trimHistory(
  messages: readonly BaseMessage[],
  maxTokens: number,
): Promise<BaseMessage[]> {
  const turnStart = messages.findLastIndex((m) => HumanMessage.isInstance(m));
  if (turnStart <= 0) return [...messages];
  let budget = maxTokens - countMessagesTokens(messages.slice(turnStart));
  let start = turnStart;
  let sliceStarted = performance.now();
  while (start > 0) {
    if (performance.now() - sliceStarted > YIELD_AFTER_MS) {
      await nextTurn();
      sliceStarted = performance.now();
    }
    const cost = countMessageTokens(messages[start - 1]);
    if (cost > budget) break;
    budget -= cost;
    start -= 1;
  }
  while (start < turnStart && !HumanMessage.isInstance(messages[start])) start += 1;
  return messages.slice(start);
}

/**
 * Trims the history of every model call to `maxTokens`, system prompt included. Only the model's
 * view is trimmed: the agent state (what the run stores) keeps every message.
 */
export function historyTrimMiddleware(options: { maxTokens: number }) {
  return createMiddleware({
    name: 'HistoryTrimMiddleware',
    wrapModelCall: async (request, handler) => {
      const systemTokens = countTokens(request.systemMessage?.text ?? '');
      const messages = await trimHistory(request.messages, options.maxTokens - systemTokens);
      return handler({ ...request, messages });
    },
  });
}
