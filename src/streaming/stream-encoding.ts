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

/** SSE keep-alive: a comment, which EventSource ignores; the blank line keeps block parsers happy. */
export const SSE_HEARTBEAT = ': keep-alive\n\n';

/** NDJSON keep-alive: a line without `seq`, so clients can tell it from run events. */
export const NDJSON_HEARTBEAT = '{"type":"heartbeat"}\n';

/** The keep-alive line of a format. */
export function heartbeatFor(format: StreamFormat): string {
  return format === 'ndjson' ? NDJSON_HEARTBEAT : SSE_HEARTBEAT;
}

/**
 * First bytes of an SSE stream: a comment that makes proxies and clients see the stream at once,
 * and the reconnection delay EventSource should use after the server closes it.
 */
export function ssePreamble(retryMs: number): string {
  return `: connected\nretry: ${retryMs}\n\n`;
}
