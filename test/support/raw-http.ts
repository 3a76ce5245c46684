import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';

/** What one exchange got; `status` 0 when it timed out or the connection failed before an answer. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Set when no complete answer came before the deadline (the request was aborted). */
  timedOut: boolean;
}

/** One request, sent exactly as given: no header is added besides Host (and Content-Length). */
export interface RawRequest {
  method: string;
  /** Already percent-encoded. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Aborts and answers `timedOut` after this long (default 10 s). */
  timeoutMs?: number;
}

/**
 * Sends a request with node:http and reads the whole answer, never waiting past the deadline: a
 * streamed answer that does not end is cut and reported as timed out, so nothing is left hanging.
 */
export function sendRaw(baseUrl: string, options: RawRequest): Promise<RawAnswer> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: RawAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const req = httpRequest(new URL(options.path, baseUrl), {
      method: options.method,
      headers: options.headers,
      agent: false,
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ status: 0, headers: {}, body: '', timedOut: true });
    }, timeoutMs);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        finish({
          status: res.statusCode ?? 0,
          headers: flattenHeaders(res.headers),
          body: Buffer.concat(chunks).toString('utf8'),
          timedOut: false,
        }),
      );
      res.on('error', () => finish({ status: 0, headers: {}, body: '', timedOut: false }));
    });
    req.on('error', () => finish({ status: 0, headers: {}, body: '', timedOut: false }));
    req.end(options.body);
  });
}

/**
 * Writes bytes on a plain TCP socket and reads the answer until the server closes the connection,
 * for what node:http refuses to send (a NUL in a header, oversized heads).
 */
export function exchangeRaw(port: number, bytes: string | Buffer, timeoutMs = 5000) {
  return new Promise<RawAnswer>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (timedOut: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parseResponse(Buffer.concat(chunks).toString('utf8')), timedOut });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on('data', (data: Buffer) => chunks.push(data));
    socket.on('close', () => finish(false));
    socket.on('error', () => finish(false));
    socket.write(bytes);
  });
}

function parseResponse(raw: string): Omit<RawAnswer, 'timedOut'> {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: raw };
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body: raw.slice(end + 4) };
}

function flattenHeaders(headers: NodeJS.Dict<string | string[]>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
