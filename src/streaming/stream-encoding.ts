import type { StreamEvent } from './stream-event';
import type { StreamFormat } from './stream-format';

/*
 * Hot path: one string per event around a single JSON.stringify, which is most of the cost.
 * JSON.stringify escapes CR and LF inside strings, so `data:` is
 * always exactly one line and needs no splitting.
 */

/** One event as an SSE message: `id`, `event`, one `data` line, then the blank line. */
export function encodeSse(event: StreamEvent): string {
  return `id: ${event.run_id}:${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** One event as an NDJSON line. */
export function encodeNdjson(event: StreamEvent): string {
  return JSON.stringify(event) + '\n';
}

/** The encoder for a format, picked once per stream rather than per event. */
export function eventEncoderFor(format: StreamFormat): (event: StreamEvent) => string {
  return format === 'ndjson' ? encodeNdjson : encodeSse;
}

/*
 * In SSE only an event's own block ends with a blank line. Some clients dispatch a message at every
 * blank line, data or not (@microsoft/fetch-event-source calls `onmessage` with `data: ''`, and a
 * JSON.parse there throws and makes it re-send the request), so comments and the `retry:` field
 * never stand in a block of their own: a comment is a line of its own, and `retry:` joins the
 * first event's block.
 */

/** SSE keep-alive: one comment line, which every client ignores; no blank line (see above). */
export const SSE_HEARTBEAT = ': keep-alive\n';

/** NDJSON keep-alive: a line without `seq`, so clients can tell it from run events. */
export const NDJSON_HEARTBEAT = '{"type":"heartbeat"}\n';

/** The keep-alive line of a format. */
export function heartbeatFor(format: StreamFormat): string {
  return format === 'ndjson' ? NDJSON_HEARTBEAT : SSE_HEARTBEAT;
}

/**
 * First bytes of an SSE stream: a comment that makes proxies and clients see the stream at once,
 * and the reconnection delay EventSource should use after the server closes it. No blank line:
 * the `retry:` field is part of the first event's block, so nothing is dispatched before it.
 */
export function ssePreamble(retryMs: number): string {
  return `: connected\nretry: ${retryMs}\n`;
}
