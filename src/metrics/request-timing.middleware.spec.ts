import { Logger } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Histogram, Registry } from 'prom-client';
import type { CompletedRequest } from './completed-request';
import { excludeFromHttpMetrics } from './completed-request';
import { HttpMetrics } from './http-metrics.service';
import { HttpRequestObservers } from './http-request-observers';
import { RequestTimingMiddleware } from './request-timing.middleware';

/** A server whose handlers stand in for routes: the timing middleware runs first, as in the app. */
async function serve(
  timing: RequestTimingMiddleware,
  handler: (req: IncomingMessage & { route?: unknown }, res: ServerResponse) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) =>
    timing.handle(req, res, () => handler(req, res)),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('RequestTimingMiddleware with HttpMetrics', () => {
  const registry = new Registry();
  const histogram = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'test',
    labelNames: ['method', 'route', 'status_code'],
    registers: [registry],
  });
  const observers = new HttpRequestObservers();
  const metrics = new HttpMetrics(histogram, observers);
  const seen: CompletedRequest[] = [];
  observers.subscribe((request) => seen.push(request));
  metrics.onModuleInit();
  const timing = new RequestTimingMiddleware(observers);

  afterAll(() => metrics.onModuleDestroy());

  it('times a request on finish with its route template and status', async () => {
    const server = await serve(timing, (req, res) => {
      req.route = { path: '/api/v1/things/:id' };
      setTimeout(() => {
        res.statusCode = 404;
        res.end();
      }, 20);
    });
    await fetch(`${server.url}/api/v1/things/42`);
    await server.close();

    expect(seen.at(-1)).toMatchObject({
      method: 'GET',
      route: '/api/v1/things/:id',
      statusCode: 404,
      streamed: false,
    });
    expect(seen.at(-1)!.durationMs).toBeGreaterThanOrEqual(15);
    const text = await registry.metrics();
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/api/v1/things/:id",status_code="404"} 1',
    );
  });

  it('keeps SSE, NDJSON and flagged responses out of the histogram', async () => {
    const server = await serve(timing, (req, res) => {
      req.route = { path: `/stream${req.url}` };
      if (req.url === '/sse') res.setHeader('Content-Type', 'text/event-stream');
      if (req.url === '/ndjson') res.setHeader('Content-Type', 'application/x-ndjson');
      if (req.url === '/flagged') excludeFromHttpMetrics(res);
      res.end('data: x\n\n');
    });
    for (const path of ['/sse', '/ndjson', '/flagged'])
      await (await fetch(server.url + path)).text();
    await server.close();

    expect(seen.slice(-3).map((r) => [r.route, r.streamed])).toEqual([
      ['/stream/sse', true],
      ['/stream/ndjson', true],
      ['/stream/flagged', true],
    ]);
    expect(await registry.metrics()).not.toContain('/stream/');
  });

  it('keeps a throwing observer from breaking the others', () => {
    const unsubscribe = observers.subscribe(() => {
      throw new Error('observer bug');
    });
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const before = seen.length;
    try {
      observers.publish({
        method: 'GET',
        route: '/x',
        statusCode: 200,
        durationMs: 1,
        streamed: false,
      });
      expect(seen.length).toBe(before + 1);
      expect(logged).toHaveBeenCalledWith('A request observer threw', expect.any(Error));
    } finally {
      unsubscribe();
      logged.mockRestore();
    }
  });
});
