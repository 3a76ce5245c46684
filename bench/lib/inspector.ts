import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A minimal Chrome DevTools Protocol client for a process started with `--inspect=127.0.0.1:PORT`:
 * just enough WebSocket (RFC 6455 text frames) to send a command and read its answer, since Node 20
 * has no WebSocket client built in and the bench installs nothing.
 *
 * The memory scenario uses it to force a full garbage collection (`HeapProfiler.collectGarbage`)
 * before each reading: this app's heap swings by hundreds of MB between major collections (they
 * come every 10,000 requests or so), far more than the growth being measured.
 */
export class InspectorSession {
  private nextId = 1;
  private buffer = Buffer.alloc(0);
  private readonly waiting = new Map<number, (result: unknown) => void>();

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
  }

  /** Connects to the first target of the inspector listening on `port`. */
  static async connect(port: number): Promise<InspectorSession> {
    const res = await fetch(`http://127.0.0.1:${port}/json/list`);
    const [target] = (await res.json()) as Array<{ webSocketDebuggerUrl: string }>;
    const url = new URL(target.webSocketDebuggerUrl);
    return new Promise((resolve, reject) => {
      const req = request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        },
      });
      req.on('upgrade', (_res, socket) => resolve(new InspectorSession(socket)));
      req.on('error', reject);
      req.end();
    });
  }

  /** Sends a command and resolves with its `result`. */
  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    const payload = Buffer.from(JSON.stringify({ id, method, params }));
    // Client frames are masked (RFC 6455 §5.3); FIN + text opcode.
    const mask = randomBytes(4);
    const length = payload.length;
    const header =
      length < 126
        ? Buffer.from([0x81, 0x80 | length])
        : length < 65536
          ? Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff])
          : (() => {
              const h = Buffer.alloc(10);
              h[0] = 0x81;
              h[1] = 0x80 | 127;
              h.writeBigUInt64BE(BigInt(length), 2);
              return h;
            })();
    const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]));
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.socket.write(Buffer.concat([header, mask, masked]));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  /** Reads the server's (unmasked) frames; answers go to their waiting command, events are dropped. */
  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) return;
      let length = this.buffer[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.buffer.length < offset + length) return;
      const opcode = this.buffer[0] & 0x0f;
      const payload = this.buffer.subarray(offset, offset + length);
      this.buffer = this.buffer.subarray(offset + length);
      if (opcode !== 0x1) continue; // only whole text frames are expected from the inspector
      const message = JSON.parse(payload.toString('utf8')) as { id?: number; result?: unknown };
      if (message.id !== undefined) {
        this.waiting.get(message.id)?.(message.result);
        this.waiting.delete(message.id);
      }
    }
  }
}
