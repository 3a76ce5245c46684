import { RawStreamClient } from '../../test/support/streaming/raw-stream-client';
import { chunkOfSize, sampleRun } from '../../test/support/streaming/stream-event-fixtures';
import { parseNdjson, parseSse, sseEvents } from '../../test/support/stream-parsers';
import {
  startWriterTestServer,
  type WriterTestServer,
} from '../../test/support/streaming/writer-test-server';

const HEARTBEAT_MS = 50;

describe('EventStreamWriter heartbeats', () => {
  let server: WriterTestServer;

  beforeEach(async () => {
    server = await startWriterTestServer({ heartbeatMs: HEARTBEAT_MS });
  });

  afterEach(() => server.close());

  it('writes an SSE keep-alive comment every heartbeatMs', async () => {
    const client = RawStreamClient.get(server.port, '/');
    const { writer } = await server.nextStream();
    const openedAt = performance.now();
    const heartbeats = (): number =>
      parseSse(client.body).filter((message) => message.comment === 'keep-alive').length;

    await client.waitFor(() => heartbeats() >= 3);

    // The writer opened (and armed its timer) a little before `openedAt`, so three heartbeats are
    // seen no sooner than a bit over two intervals later: a writer beating too fast fails this.
    expect(performance.now() - openedAt).toBeGreaterThanOrEqual(2 * HEARTBEAT_MS);
    expect(writer.stats.heartbeatsWritten).toBeGreaterThanOrEqual(3);
    expect(sseEvents(client.body)).toEqual([]);
    await writer.close('server_shutdown');
  });

  it('writes an NDJSON heartbeat line with no seq between events', async () => {
    const [first, second] = sampleRun();
    const client = RawStreamClient.get(server.port, '/?format=ndjson');
    const { writer } = await server.nextStream();

    writer.send(first);
    await client.waitFor(() => parseNdjson(client.body).length >= 3);
    writer.send(second);
    await client.waitFor(() => parseNdjson(client.body).length >= 4);

    const lines = parseNdjson(client.body);
    expect(lines[0]).toEqual(first);
    expect(lines.slice(1, -1)).toEqual(lines.slice(1, -1).map(() => ({ type: 'heartbeat' })));
    expect(lines.at(-1)).toEqual(second);
    await writer.close('server_shutdown');
  });
});

describe('EventStreamWriter coalescing', () => {
  const events = Array.from({ length: 10 }, (_, index) => chunkOfSize(index + 1, 100));

  it('writes each event at once when flushIntervalMs is 0', async () => {
    const server = await startWriterTestServer({ flushIntervalMs: 0 });
    try {
      const client = RawStreamClient.get(server.port, '/?format=ndjson');
      const { writer } = await server.nextStream();
      for (const event of events) writer.send(event);
      await client.waitFor(() => parseNdjson(client.body).length === events.length);

      expect(client.chunks).toHaveLength(events.length);
      expect(writer.stats.writes).toBe(events.length);
      await writer.close('server_shutdown');
    } finally {
      await server.close();
    }
  });

  it('joins events sent within flushIntervalMs into one write', async () => {
    const server = await startWriterTestServer({ flushIntervalMs: 30 });
    try {
      const client = RawStreamClient.get(server.port, '/?format=ndjson');
      const { writer } = await server.nextStream();
      for (const event of events) writer.send(event);
      expect(writer.bufferedBytes).toBeGreaterThan(0);
      await client.waitFor(() => parseNdjson(client.body).length === events.length);

      expect(client.chunks).toHaveLength(1);
      expect(parseNdjson(client.body)).toEqual(events);
      expect(writer.stats).toMatchObject({ writes: 1, eventsWritten: events.length });
      await writer.close('server_shutdown');
    } finally {
      await server.close();
    }
  });

  // A one-minute window in the next two tests: any wait for it would time the test out.
  it('writes a burst that reaches 16 KiB at once instead of waiting for the window', async () => {
    const server = await startWriterTestServer({ flushIntervalMs: 60_000 });
    try {
      const client = RawStreamClient.get(server.port, '/?format=ndjson');
      const { writer } = await server.nextStream();
      const big = Array.from({ length: 4 }, (_, index) => chunkOfSize(index + 1, 4096));
      for (const event of big) writer.send(event);
      await client.waitFor(() => parseNdjson(client.body).length === big.length);

      expect(client.chunks).toHaveLength(1);
      expect(parseNdjson(client.body)).toEqual(big);
      await writer.close('server_shutdown');
    } finally {
      await server.close();
    }
  });

  it('flushes the terminal event, with what waits before it, at once and in one write', async () => {
    const server = await startWriterTestServer({ flushIntervalMs: 60_000 });
    try {
      const client = RawStreamClient.get(server.port, '/?format=ndjson');
      const { writer } = await server.nextStream();
      const [first, second, third] = events;
      const terminal = {
        type: 'error',
        run_id: 'run-1',
        seq: 4,
        code: 'x',
        message: 'y',
        retryable: false,
      };
      writer.send(first);
      writer.send(second);
      writer.send(third);
      writer.send(terminal);
      await client.waitFor(() => client.ended);

      expect(client.chunks).toHaveLength(1);
      expect(parseNdjson(client.body)).toEqual([first, second, third, terminal]);
      await expect(writer.closed).resolves.toBe('completed');
    } finally {
      await server.close();
    }
  });
});
