import type { StreamFormat } from './stream-format';

/** `Content-Type` of each format; both are UTF-8 on the wire. */
export const STREAM_CONTENT_TYPES: Readonly<Record<StreamFormat, string>> = {
  sse: 'text/event-stream; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

/**
 * Response headers of a live stream. `no-transform` and `X-Accel-Buffering: no` stop proxies
 * (and compression middleware) from buffering; `Connection` is a hop-by-hop header that HTTP/2
 * forbids, so it is only sent on HTTP/1.x.
 */
export function streamHeaders(format: StreamFormat, httpVersionMajor = 1): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': STREAM_CONTENT_TYPES[format],
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
  };
  if (format === 'sse' && httpVersionMajor < 2) headers.Connection = 'keep-alive';
  return headers;
}
