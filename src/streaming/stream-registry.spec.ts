import type { ServerResponse } from 'node:http';
import type { AppConfig } from '../config/app.config';
import { LifecycleService } from '../lifecycle';
import { EventStreamWriter } from './event-stream-writer';
import { resolveStreamSettings } from './stream-settings';
import { StreamRegistry } from './stream-registry';
import { getPaused, getText, readToClose } from '../../test/support/streaming/http-test-client';
import { RawStreamClient } from '../../test/support/streaming/raw-stream-client';
import { chunkOfSize, sampleRun } from '../../test/support/streaming/stream-event-fixtures';
import { parseNdjson, sseEvents } from '../../test/support/stream-parsers';
import {
  deferred,
  startTestHttpServer,
  type TestHttpServer,
} from '../../test/support/streaming/test-http-server';

function registryFor(
  maxConnections: number,
  lifecycle = new LifecycleService({ shutdownGraceMs: 1000 } as AppConfig),
): StreamRegistry {
  // A bound far above what the kernel holds for a paused reader, so that tests can fill it.
  const maxBufferBytes = 64 * 1024 * 1024;
  return new StreamRegistry(
    resolveStreamSettings({ maxConnections, heartbeatMs: 0, maxBufferBytes }),
    lifecycle,
  );
}

describe('StreamRegistry slots', () => {
  it('admits up to capacity, then refuses until a slot is released', () => {
    const registry = registryFor(2);
    const first = registry.tryAcquire();
    const second = registry.tryAcquire();

    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(registry.tryAcquire()).toBeUndefined();
    expect(registry.active).toBe(2);

    first?.release();
    first?.release();
    expect(registry.active).toBe(1);
    expect(registry.tryAcquire()).toBeDefined();
    expect(registry.snapshot()).toEqual({
      active: 2,
      capacity: 2,
      draining: false,
      opened: 3,
      rejected: 1,
      closed: { completed: 0, client_gone: 0, overflow: 0, server_shutdown: 0 },
    });
  });

  it('refuses every new stream once the process drains, with room to spare', async () => {
    const lifecycle = new LifecycleService({ shutdownGraceMs: 1000 } as AppConfig);
    const registry = registryFor(10, lifecycle);
    registry.tryAcquire();

    const drained = lifecycle.startDraining();

    expect(registry.draining).toBe(true);
    expect(registry.tryAcquire()).toBeUndefined();
    expect(registry.snapshot()).toMatchObject({
      active: 1,
      capacity: 10,
      draining: true,
      rejected: 1,
    });
    await drained;
  });
});

describe('StreamRegistry with real streams', () => {
  let lifecycle: LifecycleService;
  let registry: StreamRegistry;
  let server: TestHttpServer;
  let writers: EventStreamWriter[];
  let arrivals: ((writer: EventStreamWriter) => void)[];

  /** The registry's writer for the next request (undefined when it was refused). */
  function nextWriter(): Promise<EventStreamWriter> {
    return new Promise((resolve) => arrivals.push(resolve));
  }

  beforeEach(async () => {
    lifecycle = new LifecycleService({ shutdownGraceMs: 1000 } as AppConfig);
    registry = registryFor(2, lifecycle);
    writers = [];
    arrivals = [];
    server = await startTestHttpServer((req, res) => {
      const format = req.url?.includes('ndjson') ? 'ndjson' : 'sse';
      const writer = registry.openStream(res, format);
      if (!writer) {
        res.statusCode = 503;
        res.setHeader('Retry-After', '1');
        res.end('busy');
        return;
      }
      writers.push(writer);
      arrivals.shift()?.(writer);
    });
  });

  afterEach(() => server.close());

  it('answers 503 over capacity, before anything was written, and frees the slot when a client leaves', async () => {
    const firstArrived = nextWriter();
    const first = RawStreamClient.get(server.port, '/');
    const firstWriter = await firstArrived;
    const secondArrived = nextWriter();
    RawStreamClient.get(server.port, '/');
    await secondArrived;

    const refused = await getText(server.port, '/');
    expect(refused.statusCode).toBe(503);
    expect(refused.body).toBe('busy');
    expect(registry.active).toBe(2);

    first.destroy();
    await firstWriter.closed;
    await new Promise((resolve) => setImmediate(resolve));

    expect(registry.active).toBe(1);
    expect(registry.snapshot().closed.client_gone).toBe(1);
    const thirdArrived = nextWriter();
    RawStreamClient.get(server.port, '/');
    await expect(thirdArrived).resolves.toBeInstanceOf(EventStreamWriter);
  });

  it('ends every open stream with its final event on closeAll while draining, refusing new ones', async () => {
    const sseArrived = nextWriter();
    const sse = RawStreamClient.get(server.port, '/');
    const sseWriter = await sseArrived;
    const ndjsonArrived = nextWriter();
    const ndjson = RawStreamClient.get(server.port, '/?ndjson');
    const ndjsonWriter = await ndjsonArrived;
    sseWriter.send(chunkOfSize(1, 10, 'run-a'));
    ndjsonWriter.send(chunkOfSize(1, 10, 'run-b'));

    const drained = lifecycle.startDraining();
    await registry.closeAll((writer) => {
      const last = writer.lastSentEvent;
      return (
        last && { type: 'error', run_id: last.run_id, seq: last.seq + 1, code: 'server_shutdown' }
      );
    });

    await Promise.all([sse.waitFor(() => sse.ended), ndjson.waitFor(() => ndjson.ended)]);
    expect(sseEvents(sse.body).at(-1)).toEqual({
      type: 'error',
      run_id: 'run-a',
      seq: 2,
      code: 'server_shutdown',
    });
    expect(parseNdjson(ndjson.body).at(-1)).toMatchObject({ run_id: 'run-b', seq: 2 });
    await expect(sseWriter.closed).resolves.toBe('server_shutdown');
    expect(registry.snapshot()).toMatchObject({ active: 0, draining: true });
    expect(registry.snapshot().closed.server_shutdown).toBe(2);
    expect((await getText(server.port, '/')).statusCode).toBe(503);
    await drained;
  });

  it('destroys streams whose clients do not take the end within the grace period', async () => {
    const arrived = nextWriter();
    const res = await getPaused(server.port, '/');
    const writer = await arrived;
    // 16 MB: more than the kernel buffers of a paused loopback reader hold.
    for (let seq = 1; seq <= 16 * 1024; seq += 1) writer.send(chunkOfSize(seq, 1000));

    await registry.closeAll(undefined, 50);

    await expect(writer.closed).resolves.toBe('server_shutdown');
    expect(registry.active).toBe(0);
    expect((await readToClose(res)).complete).toBe(false);
  });
});

describe('StreamRegistry edge cases', () => {
  it('lets the caller check before opening, then open in the slot it reserved', async () => {
    const registry = registryFor(1);
    const server = await startTestHttpServer((req, res) => {
      const slot = registry.tryAcquire();
      if (!slot) return void res.writeHead(503).end();
      if (req.url === '/missing') {
        slot.release();
        return void res.writeHead(404).end();
      }
      slot.open(res, 'ndjson').send(sampleRun('r')[5]);
    });
    try {
      expect((await getText(server.port, '/missing')).statusCode).toBe(404);
      expect(registry.active).toBe(0);

      const response = await getText(server.port, '/run');
      expect(parseNdjson(response.body)).toEqual([sampleRun('r')[5]]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(registry.snapshot()).toMatchObject({ active: 0, opened: 2, closed: { completed: 1 } });
    } finally {
      await server.close();
    }
  });

  it('closes a writer attached but never opened on closeAll without touching its response', async () => {
    const registry = registryFor(1);
    const served = deferred<ServerResponse>();
    const server = await startTestHttpServer((_req, res) => served.resolve(res));
    try {
      const client = RawStreamClient.get(server.port, '/');
      const res = await served.promise;
      const writer = new EventStreamWriter(res, {
        format: 'sse',
        heartbeatMs: 0,
        flushIntervalMs: 0,
        maxBufferBytes: 1024,
      });
      registry.tryAcquire()?.attach(writer);

      await registry.closeAll(() => chunkOfSize(1, 1), 1000);

      await expect(writer.closed).resolves.toBe('server_shutdown');
      expect(res.headersSent).toBe(false);
      expect(registry.active).toBe(0);
      client.destroy();
    } finally {
      await server.close();
    }
  });

  it('gives the slot back and rethrows when the writer cannot open', async () => {
    const registry = registryFor(1);
    const outcome = deferred<unknown>();
    const server = await startTestHttpServer((_req, res) => {
      res.flushHeaders();
      try {
        registry.openStream(res, 'sse');
      } catch (error) {
        outcome.resolve(error);
      }
      res.end();
    });
    try {
      await getText(server.port, '/');

      expect(await outcome.promise).toBeInstanceOf(Error);
      await new Promise((resolve) => setImmediate(resolve));
      expect(registry.active).toBe(0);
    } finally {
      await server.close();
    }
  });
});
