import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';

/**
 * Messages cost a few tokens beyond their text (role, separators): OpenAI's own counting adds
 * 3 per message and 3 to prime the reply, so each message is charged this much extra.
 */
const TOKENS_PER_MESSAGE = 4;

let encoder: Tiktoken | undefined;

/**
 * The o200k_base encoder (GPT-4o and later), built from the ranks bundled in js-tiktoken: nothing is
 * downloaded, unlike `@langchain/core`'s own counting, which fetches ranks on first use. Built on
 * first use (about a second) and kept for the life of the process.
 */
function getEncoder(): Tiktoken {
  encoder ??= new Tiktoken(o200kBase);
  return encoder;
}

/**
 * Counts of short texts: every streamed chunk (`message_chunk.tokens`) is counted, chunks are a
 * word or a few characters and the same ones come back all the time, and byte-pair encoding them
 * one by one was ~9% of a streaming run's CPU in the benchmark's profiles. Bounded: cleared when
 * full rather than kept in LRU order, which costs more than it saves at this size.
 */
const SHORT_TEXT_CHARS = 64;
const CACHE_ENTRIES = 20_000;
const shortTextCounts = new Map<string, number>();

/**
 * Counts the tokens of a text with the o200k_base tokenizer. Synchronous; special-token markers
 * such as `<|endoftext|>` are counted as plain text rather than rejected.
 */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  if (text.length > SHORT_TEXT_CHARS) return getEncoder().encode(text, [], []).length;
  let count = shortTextCounts.get(text);
  if (count === undefined) {
    count = getEncoder().encode(text, [], []).length;
    if (shortTextCounts.size >= CACHE_ENTRIES) shortTextCounts.clear();
    shortTextCounts.set(text, count);
  }
  return count;
}

/** Counts what a message costs in a prompt: its text, its tool calls and the per-message overhead. */
export function countMessageTokens(message: BaseMessage): number {
  let total = TOKENS_PER_MESSAGE + countTokens(message.text);
  if (AIMessage.isInstance(message)) {
    for (const call of message.tool_calls ?? []) {
      total += countTokens(call.name) + countTokens(JSON.stringify(call.args));
    }
  }
  return total;
}

/** Counts a list of messages as a prompt (see {@link countMessageTokens}). */
export function countMessagesTokens(messages: readonly BaseMessage[]): number {
  return messages.reduce((sum, message) => sum + countMessageTokens(message), 0);
}
