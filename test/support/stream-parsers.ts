/**
 * The one SSE/NDJSON parser of the tests and of the bench's load agent (bench/load imports it from
 * here: test/support is where the shared client-side helpers live, so that a fix to how a stream is
 * read reaches the e2e suite and the figures at once).
 */
import {
  type EventSourceMessage,
  getLines,
  getMessages,
} from '@microsoft/fetch-event-source/lib/cjs/parse';

/** One dispatched SSE message, or a comment, as a browser's EventSource parser would see it. */
export interface SseMessage {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly retry?: number;
  readonly comment?: string;
}

/**
 * Parses SSE as it arrives, by the WHATWG rules that matter here: lines split on LF, `field: value`
 * with one optional space, comments starting with `:`, a blank line ending a message. What follows
 * the last line break (an incomplete line) waits for the next chunk.
 */
export class SseReader {
  private tail = '';
  private current: { -readonly [K in keyof SseMessage]: SseMessage[K] } = {};
  private data: string[] | undefined;

  /** Feeds a chunk; returns the messages and comments it completed, in order. */
  push(chunk: string): SseMessage[] {
    const messages: SseMessage[] = [];
    const text = this.tail + chunk;
    const lastBreak = text.lastIndexOf('\n');
    this.tail = text.slice(lastBreak + 1);
    if (lastBreak < 0) return messages;
    let start = 0;
    while (start <= lastBreak) {
      const end = text.indexOf('\n', start);
      this.line(text.slice(start, end), messages);
      start = end + 1;
    }
    return messages;
  }

  private line(line: string, messages: SseMessage[]): void {
    if (line === '') {
      if (this.data) this.current.data = this.data.join('\n');
      if (Object.keys(this.current).length > 0) messages.push(this.current);
      this.current = {};
      this.data = undefined;
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === '') messages.push({ comment: value });
    else if (field === 'data') (this.data ??= []).push(value);
    else if (field === 'id') this.current.id = value;
    else if (field === 'event') this.current.event = value;
    else if (field === 'retry') this.current.retry = Number(value);
  }
}

/** Parses a whole SSE body (see {@link SseReader}); an unterminated last message is left out. */
export function parseSse(body: string): SseMessage[] {
  return new SseReader().push(body);
}

/** The JSON payloads of the SSE messages that carry data, in order. */
export function sseEvents(body: string): unknown[] {
  return parseSse(body)
    .filter((message) => message.data !== undefined)
    .map((message) => JSON.parse(message.data as string) as unknown);
}

/** Parses every complete NDJSON line. */
export function parseNdjson(body: string): unknown[] {
  return body
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}

/**
 * What `@microsoft/fetch-event-source` hands its `onmessage`, from its own parser: unlike
 * EventSource it dispatches at every blank line, also for a block without data.
 */
export function fetchEventSourceMessages(body: string): EventSourceMessage[] {
  const messages: EventSourceMessage[] = [];
  const onLine = getMessages(
    () => undefined,
    () => undefined,
    (message) => messages.push({ ...message }),
  );
  getLines(onLine)(new TextEncoder().encode(body));
  return messages;
}
