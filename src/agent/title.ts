import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';

/**
 * What the model is asked to do to name a conversation. The local model recognises it (see
 * `planLocalReply`) and answers with the first words of the question.
 */
export const TITLE_INSTRUCTION =
  'Write a title of at most six words for a conversation that starts with the user message ' +
  'below. Answer with the title only: no quotes, no final punctuation.';

/** The most characters of the question the model reads to name it. */
const QUESTION_CHARS = 2000;
/** The longest title kept (the column holds 500). */
export const MAX_TITLE_CHARS = 80;
/** Words the local model's title keeps. */
const LOCAL_TITLE_WORDS = 6;

/** Whether the messages ask for a title (the first is {@link TITLE_INSTRUCTION}). */
export function asksForTitle(messages: readonly BaseMessage[]): boolean {
  const first = messages[0];
  return first !== undefined && SystemMessage.isInstance(first) && first.text === TITLE_INSTRUCTION;
}

/** The local model's title: the question's first words, without trailing punctuation. */
export function localTitle(question: string): string {
  const words = question.trim().split(/\s+/).slice(0, LOCAL_TITLE_WORDS).join(' ');
  return words.replace(/[\s.,;:!?…]+$/u, '');
}

/**
 * Asks the model for a title of the conversation that starts with `question` (no tools, one
 * call). Answers the cleaned title: one line, no surrounding quotes or final punctuation, at most
 * {@link MAX_TITLE_CHARS}; null when the model said nothing usable.
 */
export async function generateTitle(
  model: BaseChatModel,
  question: string,
  signal: AbortSignal,
): Promise<string | null> {
  const answer = await model.invoke(
    [new SystemMessage(TITLE_INSTRUCTION), new HumanMessage(question.slice(0, QUESTION_CHARS))],
    { signal },
  );
  return cleanTitle(answer.text);
}

/** One line of the model's answer, trimmed of quotes, markup and final punctuation. */
export function cleanTitle(text: string): string | null {
  const line = text.trim().split('\n')[0] ?? '';
  const clean = line
    .replace(/^(?:title\s*:\s*)/i, '')
    .replace(/^["'“”‘’*#\s]+|["'“”‘’*\s.,;:!?…]+$/gu, '')
    .replace(/\s+/g, ' ')
    .slice(0, MAX_TITLE_CHARS)
    .trim();
  return clean.length > 0 ? clean : null;
}
