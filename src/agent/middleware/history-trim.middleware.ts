import { type BaseMessage, HumanMessage, trimMessages } from '@langchain/core/messages';
import { createMiddleware } from 'langchain';
import { countMessagesTokens, countTokens } from '../tokenizer';

/**
 * Keeps what the model sees within `maxTokens`: the current turn (the latest user message and
 * everything after it) always, then as many of the most recent earlier messages as fit, starting
 * on a user message so that no tool result is sent without the call it answers.
 */
export async function trimHistory(
  messages: readonly BaseMessage[],
  maxTokens: number,
): Promise<BaseMessage[]> {
  const turnStart = messages.findLastIndex((m) => HumanMessage.isInstance(m));
  if (turnStart <= 0) return [...messages];
  const earlier = messages.slice(0, turnStart);
  const turn = messages.slice(turnStart);
  const budget = maxTokens - countMessagesTokens(turn);
  if (budget <= 0) return turn;
  const kept = await trimMessages(earlier, {
    maxTokens: budget,
    strategy: 'last',
    startOn: 'human',
    tokenCounter: countMessagesTokens,
  });
  return [...kept, ...turn];
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
