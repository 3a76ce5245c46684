import { connect, type Socket } from 'node:net';

/** The head of an HTTP/1.1 response, as it came over the wire. */
export interface RawResponseHead {
  readonly statusCode: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * A minimal HTTP/1.1 client on a plain TCP socket that keeps the chunks of a chunked response apart,
 * so that a test can count the server's writes (one `res.write()` is one chunk).
 */
export class RawStreamClient {
  /** Body chunks in arrival order, decoded as UTF-8. */
  readonly chunks: string[] = [];
  /** Arrival time (performance.now()) of each chunk. */
  readonly chunkTimes: number[] = [];
  head: RawResponseHead | undefined;
  /** True once the terminating chunk arrived (the server ended the response). */
  ended = false;
  /** True once the socket closed, for any reason. */
  closed = false;

  private readonly socket: Socket;
  private buffer = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();

  private constructor(port: number, path: string, headers: Record<string, string>) {
    this.socket = connect(port, '127.0.0.1');
    const lines = [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: keep-alive'];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    this.socket.write(lines.join('\r\n') + '\r\n\r\n');
    this.socket.on('data', (data: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, data]);
      this.parse();
      this.notify();
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  /** Sends a GET for `path` to 127.0.0.1:`port`. */
  static get(port: number, path = '/', headers: Record<string, string> = {}): RawStreamClient {
    return new RawStreamClient(port, path, headers);
  }

  /** The whole body received so far. */
  get body(): string {
    return this.chunks.join('');
  }

  /** Resolves once `condition` holds (checked after every arrival); rejects after `timeoutMs`. */
  waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!condition()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const tail = this.body.slice(-300);
        reject(new Error(`condition not met within ${timeoutMs} ms; body ends with: ${tail}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Closes the connection from the client side, as a browser tab that goes away. */
  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private parse(): void {
    if (!this.head) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine = '', ...headerLines] = this.buffer
        .subarray(0, end)
        .toString()
        .split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      this.head = { statusCode: Number(statusLine.split(' ')[1]), headers };
      this.buffer = this.buffer.subarray(end + 4);
    }
    for (;;) {
      const lineEnd = this.buffer.indexOf('\r\n');
      if (lineEnd < 0) return;
      const size = parseInt(this.buffer.subarray(0, lineEnd).toString(), 16);
      if (this.buffer.length < lineEnd + 2 + size + 2) return;
      if (size === 0) {
        this.ended = true;
        this.buffer = Buffer.alloc(0);
        return;
      }
      this.chunks.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size).toString());
      this.chunkTimes.push(performance.now());
      this.buffer = this.buffer.subarray(lineEnd + 2 + size + 2);
    }
  }
}
