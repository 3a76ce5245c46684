import { createServer, connect, type Server, type Socket } from 'node:net';

/** A TCP proxy in front of a server that can drop a connection like a failing network. */
export interface CuttingProxy {
  /** `http://127.0.0.1:<port>` of the proxy. */
  baseUrl: string;
  /**
   * Drops the next connection once it has passed on `afterBlocks` SSE blocks (text up to a blank
   * line): exactly those bytes reach the client, then both sockets are destroyed.
   */
  cutNextStreamAfter(afterBlocks: number): void;
  /** Resolves once a cut was made. */
  readonly cuts: Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the proxy. A cut falls just after a blank line, so the client loses the connection between
 * two events, as when a mobile network goes away.
 */
export async function startCuttingProxy(targetPort: number): Promise<CuttingProxy> {
  let armed: number | undefined;
  let onCut!: () => void;
  const cuts = new Promise<void>((resolve) => (onCut = resolve));
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const cutAt = armed;
    armed = undefined;
    let seen = '';
    let blocks = 0;
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (cutAt === undefined || client.destroyed) {
        client.write(chunk);
        return;
      }
      // A blank line may straddle two chunks: search from the previous chunk's last character.
      const text = seen + chunk.toString('latin1');
      let end = -1;
      for (let from = 0; end < 0;) {
        const blank = text.indexOf('\n\n', from);
        if (blank < 0) break;
        from = blank + 2;
        if (++blocks >= cutAt) end = from - seen.length;
      }
      seen = text.slice(-1);
      if (end < 0) {
        client.write(chunk);
        return;
      }
      client.write(chunk.subarray(0, end), () => {
        client.destroy();
        upstream.destroy();
        onCut();
      });
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    cutNextStreamAfter: (afterBlocks) => (armed = afterBlocks),
    cuts,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
