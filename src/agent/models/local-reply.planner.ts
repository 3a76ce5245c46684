import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import {
  evaluateExpression,
  ExpressionError,
  MAX_EXPRESSION_LENGTH,
} from '../tools/expression-parser';
import { TOOL_NAMES } from '../tools/tool-names';
import { asksForTitle, localTitle } from '../title';

/** What the local model answers: a tool call, or text. */
export type LocalReply =
  | { kind: 'tool_call'; name: string; args: Record<string, unknown> }
  | { kind: 'text'; text: string };

/** The opening of every plain answer; the user's words follow, so long inputs give long answers. */
export const LOCAL_ANSWER_PREAMBLE = 'This is the local development model. You said:';

// The search patterns run on the message with its white space collapsed to single spaces, so every
// `\s` below matches one character and `.` matches everything: no pattern can rescan a long run of
// spaces or a long line from each of its starting points.
const SEARCH_VERB = /\b(?:search|look\s?up|find)\b/i;
const KNOWLEDGE_BASE = /\b(?:knowledge[\s-]?base|kb|docs|documentation|documents?)\b/i;
/** "search the knowledge base for refunds" -> "refunds". */
const QUERY_AFTER_KB =
  /(?:search|look\s?up|find)\b(?:\s(?:in|through))?(?:\sthe)?\s(?:knowledge[\s-]?base|kb|docs|documentation|documents?)\b\s?(?:for|about|on|regarding)?\s?(.*)$/i;
/**
 * "search for refunds in the knowledge base" -> "refunds". The query is at most 300 characters, so
 * that a message of many "search" words and no "in the docs" costs a bounded scan from each.
 */
const QUERY_BEFORE_KB =
  /(?:search|look\s?up|find)\s(?:for\s)?(.{1,300}?)\sin\s(?:the\s)?(?:knowledge[\s-]?base|kb|docs|documentation|documents?)\b/i;
const TIME_QUESTION =
  /\b(?:what time|current time|time is it|time now|what(?:'s| is) the date|today's date|current date|what day is)\b/i;
const TIME_ZONE = /\b([A-Z][A-Za-z_]+\/[A-Z][A-Za-z_]+(?:\/[A-Z][A-Za-z_]+)?)\b|\b(UTC)\b/;
const ARITHMETIC_RUN = /[\d.+\-*/%^()\s]+/g;
const BINARY_OPERATION = /[\d.)]\s*[-+*/%^]\s*[-+(\d.]/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Decides the local model's next reply from the conversation: answer from the tool results that
 * follow its last tool call, or else read the latest user message and call a tool it names, or
 * else echo. Pure and deterministic.
 *
 * @param toolNames the tools bound to the model for this call
 */
export function planLocalReply(
  messages: readonly BaseMessage[],
  toolNames: ReadonlySet<string>,
): LocalReply {
  const last = messages.at(-1);
  if (asksForTitle(messages)) return { kind: 'text', text: localTitle(last?.text ?? '') };
  if (last && ToolMessage.isInstance(last)) {
    return { kind: 'text', text: answerFromToolResults(trailingToolMessages(messages)) };
  }
  const userText = [...messages].reverse().find((m) => HumanMessage.isInstance(m))?.text ?? '';

  const flat = userText.replace(/\s+/g, ' ');
  if (toolNames.has(TOOL_NAMES.searchKnowledgeBase) && asksToSearch(flat)) {
    return {
      kind: 'tool_call',
      name: TOOL_NAMES.searchKnowledgeBase,
      args: { query: searchQuery(flat) },
    };
  }
  const reminder = toolNames.has(TOOL_NAMES.setReminder) ? REMIND_ME.exec(flat) : null;
  if (reminder) {
    return {
      kind: 'tool_call',
      name: TOOL_NAMES.setReminder,
      args: { text: trimSentenceEnd(reminder[1].slice(0, 500)) },
    };
  }
  if (toolNames.has(TOOL_NAMES.currentTime) && TIME_QUESTION.test(userText)) {
    const zone = TIME_ZONE.exec(userText);
    const timezone = zone?.[1] ?? zone?.[2];
    return { kind: 'tool_call', name: TOOL_NAMES.currentTime, args: timezone ? { timezone } : {} };
  }
  const expression = toolNames.has(TOOL_NAMES.calculator) ? findExpression(userText) : undefined;
  if (expression) return { kind: 'tool_call', name: TOOL_NAMES.calculator, args: { expression } };

  const words = userText.trim().split(/\s+/).filter(Boolean);
  return { kind: 'text', text: `${LOCAL_ANSWER_PREAMBLE} ${words.join(' ') || '(nothing)'}` };
}

/** "remind me to water the plants" -> "water the plants". Anchored, no backtracking. */
const REMIND_ME = /\bremind me (?:to |about |of )?(\S.*)$/i;

function trimSentenceEnd(text: string): string {
  let end = text.length;
  while (end > 0 && /[\s?!.]/.test(text[end - 1])) end -= 1;
  return text.slice(0, end) || text;
}

function asksToSearch(text: string): boolean {
  return SEARCH_VERB.test(text) && KNOWLEDGE_BASE.test(text);
}

function searchQuery(flat: string): string {
  const found = QUERY_BEFORE_KB.exec(flat)?.[1] ?? QUERY_AFTER_KB.exec(flat)?.[1] ?? '';
  return trimEnd(found, ' ?!.').trim() || flat.trim();
}

/**
 * Finds the longest run of the message that is arithmetic with at least one operation, e.g.
 * "12 * (3 + 4)" in "what is 12 * (3 + 4)?"; the first of the longest on a tie. Parentheses of the
 * sentence around it are shed.
 *
 * Bounded: only the {@link MAX_TRIED_RUNS} longest runs are parsed, longest first, and a run
 * shorter than the best expression found is not parsed at all. A message of thousands of
 * arithmetic-looking runs that do not parse ("1+1+ a 1+1+ a …") cost ~0.3 s before.
 */
export function findExpression(text: string): string | undefined {
  const runs = [...text.matchAll(ARITHMETIC_RUN)]
    .map(([run], position) => ({ run: run.trim(), position }))
    .filter(({ run }) => run.length >= MIN_EXPRESSION_CHARS && OPERATOR.test(run))
    .sort((a, b) => b.run.length - a.run.length || a.position - b.position)
    .slice(0, MAX_TRIED_RUNS);
  let best: { expression: string; position: number } | undefined;
  for (const { run, position } of runs) {
    if (best && run.length < best.expression.length) break;
    const opened = trimStart(run, ' (');
    const expression = [...new Set([run, opened, trimEnd(run, ' )'), trimEnd(opened, ' )')])]
      .filter((variant) => variant.length <= MAX_EXPRESSION_LENGTH)
      .find(isExpression);
    if (!expression) continue;
    const longer = !best || expression.length > best.expression.length;
    if (longer || (expression.length === best?.expression.length && position < best.position)) {
      best = { expression, position };
    }
  }
  return best?.expression;
}

/** "1+1": a number, an operation, a number. */
const MIN_EXPRESSION_CHARS = 3;
/** Without one, a run of digits, dots and brackets is no expression ({@link BINARY_OPERATION}). */
const OPERATOR = /[-+*/%^]/;
/** Runs parsed at most per message (each parse of a non-expression throws, which is slow). */
const MAX_TRIED_RUNS = 32;

/**
 * The text without the given characters (white space, when `chars` has a space) at its start.
 * A loop, not `replace(/[\s)]+$/)`: that pattern rescans a run from each of its characters when
 * the run does not reach the end (`1 ) ) ) … ) 1` took seconds).
 */
function trimStart(text: string, chars: string): string {
  let start = 0;
  while (start < text.length && isOneOf(text[start], chars)) start += 1;
  return text.slice(start);
}

/** The text without the given characters (white space, when `chars` has a space) at its end. */
function trimEnd(text: string, chars: string): string {
  let end = text.length;
  while (end > 0 && isOneOf(text[end - 1], chars)) end -= 1;
  return text.slice(0, end);
}

function isOneOf(char: string, chars: string): boolean {
  return chars.includes(char) || (chars.includes(' ') && /\s/.test(char));
}

/** Well-formed arithmetic; "1 / 0" is, so that the calculator gets to report the error. */
function isExpression(candidate: string): boolean {
  if (!BINARY_OPERATION.test(candidate) || ISO_DATE.test(candidate)) return false;
  try {
    evaluateExpression(candidate);
    return true;
  } catch (error) {
    return error instanceof ExpressionError && error.kind === 'math';
  }
}

/** The tool results that answer the last assistant message's tool calls. */
function trailingToolMessages(messages: readonly BaseMessage[]): ToolMessage[] {
  const results: ToolMessage[] = [];
  for (let i = messages.length - 1; i >= 0 && !AIMessage.isInstance(messages[i]); i -= 1) {
    const message = messages[i];
    if (ToolMessage.isInstance(message)) results.unshift(message);
  }
  return results;
}

function answerFromToolResults(results: readonly ToolMessage[]): string {
  return results.map(describeToolResult).join(' ');
}

function describeToolResult(result: ToolMessage): string {
  const name = result.name ?? 'tool';
  const content = result.text;
  if (result.status === 'error') return `The ${name} tool failed: ${content}`;
  switch (name) {
    case TOOL_NAMES.calculator:
      return `The result is ${content}.`;
    case TOOL_NAMES.currentTime:
      return describeTime(content);
    case TOOL_NAMES.searchKnowledgeBase:
      return describeSearch(content);
    case TOOL_NAMES.setReminder:
      return `Done. ${content}`;
    default:
      return `The ${name} tool returned: ${content}`;
  }
}

function describeTime(content: string): string {
  const time = parseJson<{ local_time?: string; timezone?: string; weekday?: string }>(content);
  if (!time?.local_time) return `The current time is ${content}.`;
  return `It is ${time.weekday ?? 'now'}, ${time.local_time} (${time.timezone ?? 'UTC'}).`;
}

function describeSearch(content: string): string {
  const found = parseJson<{ results?: Array<{ title?: string; content?: string }> }>(content);
  const results = found?.results;
  if (!Array.isArray(results)) return `The knowledge base returned: ${content}`;
  if (results.length === 0) return 'I found nothing in the knowledge base about that.';
  const noun = results.length === 1 ? 'document' : 'documents';
  const items = results.map(
    (hit, i) => `${i + 1}. ${hit.title ?? 'Untitled'}: ${truncate(hit.content ?? '', 200)}`,
  );
  return `I found ${results.length} ${noun} in the knowledge base. ${items.join(' ')}`;
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
