import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

// A caller's id is echoed only when it is short and plain, so it cannot inject into headers or logs.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/**
 * Takes the caller's `X-Request-Id` or makes a UUID, and echoes it on the response. Runs as the very
 * first middleware (see app.setup.ts), so even a body the JSON parser rejects has an id; pino-http
 * then reuses it.
 */
export function assignRequestId(request: IncomingMessage, response: ServerResponse): string {
  if (typeof request.id === 'string') return request.id;
  const header = request.headers['x-request-id'];
  const candidate = Array.isArray(header) ? header[0] : header;
  const id = candidate && SAFE_REQUEST_ID.test(candidate) ? candidate : randomUUID();
  response.setHeader('X-Request-Id', id);
  request.id = id;
  return id;
}
