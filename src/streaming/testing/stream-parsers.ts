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
 * Parses an SSE body by the WHATWG rules that matter here: lines split on LF, `field: value`
 * with one optional space, comments starting with `:`, a blank line ending a message, and what
 * follows the last line break (an incomplete line) left alone.
 */
export function parseSse(body: string): SseMessage[] {
  const messages: SseMessage[] = [];
  let current: { -readonly [K in keyof SseMessage]: SseMessage[K] } = {};
  let data: string[] | undefined;
  for (const line of body.split('\n').slice(0, -1)) {
    if (line === '') {
      if (data) current.data = data.join('\n');
      if (Object.keys(current).length > 0) messages.push(current);
      current = {};
      data = undefined;
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === '') messages.push({ comment: value });
    else if (field === 'data') (data ??= []).push(value);
    else if (field === 'id') current.id = value;
    else if (field === 'event') current.event = value;
    else if (field === 'retry') current.retry = Number(value);
  }
  return messages;
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
