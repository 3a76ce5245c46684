import type { ServerResponse } from 'node:http';

/** One finished HTTP request, as the request-timing middleware saw it. */
export interface CompletedRequest {
  readonly method: string;
  /** The route template with the prefix (`/api/v1/conversations/:id`), or {@link UNMATCHED_ROUTE}. */
  readonly route: string;
  readonly statusCode: number;
  readonly durationMs: number;
  /** An SSE or NDJSON stream (or flagged with {@link excludeFromHttpMetrics}): not a request latency. */
  readonly streamed: boolean;
}

/** Route label of a request no route handled: unknown paths, static docs, errors before routing. */
export const UNMATCHED_ROUTE = '<unmatched>';

const STREAM_CONTENT_TYPE = /^\s*(text\/event-stream|application\/x-ndjson)/i;
/** `res.locals[EXCLUDED_FLAG] = true` in Express code has the same effect as the function below. */
export const EXCLUDED_FLAG = 'excludeFromHttpMetrics';
const excluded = new WeakSet<ServerResponse>();

/**
 * Keeps this response out of `http_request_duration_seconds` and the monitoring figures: for
 * long-lived responses other than SSE and NDJSON, which are recognised by their content type.
 */
export function excludeFromHttpMetrics(response: ServerResponse): void {
  excluded.add(response);
}

/** Whether the response was a stream (by content type) or flagged as one. */
export function isStreamResponse(response: ServerResponse): boolean {
  const locals = (response as ServerResponse & { locals?: Record<string, unknown> }).locals;
  if (excluded.has(response) || locals?.[EXCLUDED_FLAG] === true) return true;
  const contentType = response.getHeader('content-type');
  return typeof contentType === 'string' && STREAM_CONTENT_TYPE.test(contentType);
}

const unmatched = new WeakSet<object>();

/** Marks a request that went past every route: no handler will answer it but the 404 one. */
export function markUnmatched(request: object): void {
  unmatched.add(request);
}

/**
 * The route template Express matched (`req.route.path`, which Nest registers with the global
 * prefix), never the raw URL: ids in URLs would make one series per resource. A request marked
 * by {@link markUnmatched} is unmatched whatever `req.route` says: Nest mounts middleware bound
 * to routes (`forRoutes('*')`) as Express routes, which leave their own wildcard in `req.route`.
 */
export function routeLabel(request: { route?: unknown }): string {
  if (unmatched.has(request)) return UNMATCHED_ROUTE;
  const path = (request.route as { path?: unknown } | undefined)?.path;
  if (typeof path !== 'string' || path.length === 0) return UNMATCHED_ROUTE;
  // Escapes in a declared path (`health\/stream`, see the health module) are not part of the URL.
  return path.replace(/\\(.)/g, '$1');
}
