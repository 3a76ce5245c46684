import { request, type IncomingMessage } from 'node:http';

/** A whole response read by Node's own HTTP client. */
export interface TextResponse {
  readonly statusCode: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** GETs `path` and reads the body to its end. */
export function getText(
  port: number,
  path = '/',
  headers: Record<string, string> = {},
): Promise<TextResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * GETs `path` and stops reading as soon as the headers are in: a slow reader whose kernel buffers
 * fill up. Call `res.resume()` to read again, `res.destroy()` to leave.
 */
export function getPaused(
  port: number,
  path = '/',
  headers: Record<string, string> = {},
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.pause();
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Reads the rest of a response until its connection closes, whether it ended cleanly or was cut.
 * `complete` is false when the server destroyed the stream before its end.
 */
export function readToClose(res: IncomingMessage): Promise<{ body: string; complete: boolean }> {
  return new Promise((resolve) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (body += chunk));
    res.on('error', () => undefined);
    res.on('close', () => resolve({ body, complete: res.complete }));
    res.resume();
  });
}
