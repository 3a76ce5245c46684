import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import { BpeTokenCounter } from './bpe-token-counter';

/**
 * Messages cost a few tokens beyond their text (role, separators): OpenAI's own counting adds
 * 3 per message and 3 to prime the reply, so each message is charged this much extra.
 */
const TOKENS_PER_MESSAGE = 4;

/**
 * Texts longer than {@link EXACT_MAX_CHARS} are estimated: {@link SAMPLE_WINDOWS} windows spread
 * over the text are counted and their tokens per character scaled to the whole length. Exact
 * counting is linear in the text and costliest on uncommon scripts (a few tokens a character), so
 * a long message would hold the event loop; the estimate costs the same at any length. It is close
 * on prose and code, least close on Markdown tables, whose long runs of padding the windows cut
 * (figures in docs/PERFORMANCE.md, "Figures behind design choices").
 */
const SAMPLE_WINDOWS = 32;
const SAMPLE_WINDOW_CHARS = 32;
const EXACT_MAX_CHARS = SAMPLE_WINDOWS * SAMPLE_WINDOW_CHARS;
/** How far a window's edge moves to fall on white space rather than inside a word. */
const WINDOW_ALIGN_CHARS = 8;

let counter: BpeTokenCounter | undefined;

/**
 * The o200k_base encoding (GPT-4o and later), built from the ranks bundled in js-tiktoken: nothing
 * is downloaded, unlike `@langchain/core`'s own counting, which fetches ranks on first use. Built
 * on first use (the ranks are large) and kept for the life of the process.
 */
function getCounter(): BpeTokenCounter {
  counter ??= new BpeTokenCounter(o200kBase);
  return counter;
}

/**
 * Counts of short texts: every streamed chunk (`message_chunk.tokens`) is counted, chunks are a
 * word or a few characters and the same ones come back all the time, so encoding each one again
 * would be CPU spent per token for nothing. Bounded: cleared when full rather than kept in LRU
 * order, which costs more than it saves at this size.
 */
const SHORT_TEXT_CHARS = 64;
const CACHE_ENTRIES = 20_000;
const shortTextCounts = new Map<string, number>();

/**
 * Counts the tokens of a text with the o200k_base tokenizer: exactly up to
 * {@link EXACT_MAX_CHARS} characters, estimated from samples beyond, so that no text holds the
 * process for long. Synchronous; special-token markers such as `<|endoftext|>` are counted as
 * plain text rather than rejected.
 */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  if (text.length > EXACT_MAX_CHARS) return estimateTokens(text);
  if (text.length > SHORT_TEXT_CHARS) return getCounter().count(text);
  let count = shortTextCounts.get(text);
  if (count === undefined) {
    count = getCounter().count(text);
    if (shortTextCounts.size >= CACHE_ENTRIES) shortTextCounts.clear();
    shortTextCounts.set(text, count);
  }
  return count;
}

/**
 * Counts evenly spread windows of the text (each moved to start and end on white space where it
 * can, as a word cut in two counts more) and scales their tokens per character to the length.
 */
function estimateTokens(text: string): number {
  const stride = (text.length - SAMPLE_WINDOW_CHARS) / (SAMPLE_WINDOWS - 1);
  let counted = 0;
  let sampled = 0;
  for (let w = 0; w < SAMPLE_WINDOWS; w += 1) {
    const [start, end] = alignedWindow(text, Math.round(w * stride));
    counted += getCounter().count(text.slice(start, end));
    sampled += end - start;
  }
  return Math.max(1, Math.round((counted * text.length) / sampled));
}

function alignedWindow(text: string, from: number): [number, number] {
  let start = from;
  let end = from + SAMPLE_WINDOW_CHARS;
  if (start > 0 && !isWhiteSpace(text.charCodeAt(start))) {
    const space = indexOfWhiteSpace(text, start, start + WINDOW_ALIGN_CHARS, 1);
    if (space >= 0) start = space;
  }
  if (end < text.length && !isWhiteSpace(text.charCodeAt(end))) {
    const space = indexOfWhiteSpace(text, end, end - WINDOW_ALIGN_CHARS, -1);
    if (space > start) end = space;
  }
  // Never between the two halves of a surrogate pair.
  if (isLowSurrogate(text.charCodeAt(start))) start += 1;
  if (isLowSurrogate(text.charCodeAt(end))) end += 1;
  return [start, end];
}

function indexOfWhiteSpace(text: string, from: number, to: number, step: 1 | -1): number {
  for (let i = from; step > 0 ? i < to : i > to; i += step) {
    if (isWhiteSpace(text.charCodeAt(i))) return i;
  }
  return -1;
}

/** The code units `\s` matches. */
function isWhiteSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * What each message costs, remembered: a run counts the same messages for the history trim, the
 * call's usage and every further model call of the loop.
 */
const messageCounts = new WeakMap<BaseMessage, number>();

/**
 * Counts what a message costs in a prompt: its text, its tool calls and the per-message overhead.
 * Counted once per message object, or taken from {@link rememberMessageTokens}.
 */
export function countMessageTokens(message: BaseMessage): number {
  let total = messageCounts.get(message);
  if (total === undefined) {
    total = TOKENS_PER_MESSAGE + countTokens(message.text);
    if (AIMessage.isInstance(message)) total += countToolCallTokens(message);
    messageCounts.set(message, total);
  }
  return total;
}

/**
 * Records a count known already (a stored message's `tokens`) as what the message's text and
 * tool calls cost, so that it is not counted again.
 */
export function rememberMessageTokens(message: BaseMessage, tokens: number): void {
  messageCounts.set(message, TOKENS_PER_MESSAGE + tokens);
}

/** Counts the tool calls of an assistant message: names and JSON arguments. */
export function countToolCallTokens(message: AIMessage): number {
  let total = 0;
  for (const call of message.tool_calls ?? []) {
    total += countTokens(call.name) + countTokens(JSON.stringify(call.args));
  }
  return total;
}

/** Counts a list of messages as a prompt (see {@link countMessageTokens}). */
export function countMessagesTokens(messages: readonly BaseMessage[]): number {
  return messages.reduce((sum, message) => sum + countMessageTokens(message), 0);
}
