import type { ServerResponse } from 'node:http';
import { EventStreamWriter } from './event-stream-writer';
import { getPaused, getText, readToClose } from '../../test/support/streaming/http-test-client';
import { RawStreamClient } from '../../test/support/streaming/raw-stream-client';
import { chunkOfSize, sampleRun } from '../../test/support/streaming/stream-event-fixtures';
import { parseNdjson, sseEvents } from '../../test/support/stream-parsers';
import {
  deferred,
  startTestHttpServer,
  type TestHttpServer,
} from '../../test/support/streaming/test-http-server';
import {
  startWriterTestServer,
  TEST_WRITER_OPTIONS,
  type WriterTestServer,
} from '../../test/support/streaming/writer-test-server';

describe('EventStreamWriter lifecycle', () => {
  let server: WriterTestServer | undefined;
  let plain: TestHttpServer | undefined;

  afterEach(async () => {
    jest.restoreAllMocks();
    await server?.close();
    await plain?.close();
    server = plain = undefined;
  });

  it('reports client_gone when the client disconnects, and clears its timer and listeners', async () => {
    const setIntervalSpy = jest.spyOn(global, 'setInterval');
    const clearIntervalSpy = jest.spyOn(global, 'clearInterval');
    server = await startWriterTestServer({ heartbeatMs: 20 });
    const client = RawStreamClient.get(server.port, '/');
    const { writer, res } = await server.nextStream();
    await client.waitFor(() => writer.stats.heartbeatsWritten >= 1 && client.chunks.length >= 2);
    expect(setIntervalSpy).toHaveBeenCalledTimes(1);
    const heartbeatTimer = setIntervalSpy.mock.results[0]?.value as NodeJS.Timeout;
    const closeListeners = res.listenerCount('close');

    client.destroy();

    await expect(writer.closed).resolves.toBe('client_gone');
    expect(writer.state).toBe('closed');
    expect(writer.closeReason).toBe('client_gone');
    expect(clearIntervalSpy).toHaveBeenCalledWith(heartbeatTimer);
    expect(res.listenerCount('close')).toBe(closeListeners - 1);
    const heartbeats = writer.stats.heartbeatsWritten;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(writer.stats.heartbeatsWritten).toBe(heartbeats);
    expect(writer.send(chunkOfSize(1, 10))).toBe(false);
    await expect(writer.end()).resolves.toBe('client_gone');
  });

  it('closes as client_gone without writing when the client left before open()', async () => {
    const arrived = deferred<ServerResponse>();
    plain = await startTestHttpServer((_req, res) => arrived.resolve(res));
    const client = RawStreamClient.get(plain.port, '/');
    const res = await arrived.promise;
    const gone = new Promise((resolve) => res.once('close', resolve));
    client.destroy();
    await gone;

    const writer = new EventStreamWriter(res, { ...TEST_WRITER_OPTIONS, format: 'sse' });
    expect(writer.open()).toBe(false);
    await expect(writer.closed).resolves.toBe('client_gone');
    expect(writer.open()).toBe(false);
    expect(res.headersSent).toBe(false);
  });

  it('refuses to open twice', async () => {
    server = await startWriterTestServer();
    const client = RawStreamClient.get(server.port, '/');
    const { writer } = await server.nextStream();

    expect(() => writer.open()).toThrow(/twice/);
    await writer.close('server_shutdown');
    client.destroy();
  });

  it('refuses to open on a response whose headers someone else already sent', async () => {
    const opened = deferred<unknown>();
    plain = await startTestHttpServer((_req, res) => {
      res.flushHeaders();
      const writer = new EventStreamWriter(res, { ...TEST_WRITER_OPTIONS, format: 'sse' });
      try {
        writer.open();
        opened.resolve(undefined);
      } catch (error) {
        opened.resolve(error);
      }
      res.end();
    });

    const response = await getText(plain.port, '/');

    expect(await opened.promise).toEqual(
      new Error('EventStreamWriter.open(): headers were already sent'),
    );
    expect(response.body).toBe('');
  });

  it('leaves an unopened response alone on close(), so the caller can still answer it', async () => {
    plain = await startTestHttpServer((_req, res) => {
      const writer = new EventStreamWriter(res, { ...TEST_WRITER_OPTIONS, format: 'sse' });
      void writer.close('server_shutdown').then((reason) => {
        res.statusCode = 503;
        res.end(reason);
      });
    });

    const response = await getText(plain.port, '/');

    expect(response.statusCode).toBe(503);
    expect(response.body).toBe('server_shutdown');
  });

  it('cuts the connection on close(reason), dropping what was queued', async () => {
    server = await startWriterTestServer({ flushIntervalMs: 60_000 });
    const res = await getPaused(server.port, '/');
    const { writer } = await server.nextStream();
    writer.send(chunkOfSize(1, 100));

    await expect(writer.close('server_shutdown')).resolves.toBe('server_shutdown');
    await expect(writer.close('overflow')).resolves.toBe('server_shutdown');

    const { body, complete } = await readToClose(res);
    expect(complete).toBe(false);
    expect(sseEvents(body)).toEqual([]);
    expect(writer.stats.eventsWritten).toBe(0);
  });

  it('opens an idle writer on end(terminal), sending a one-event stream', async () => {
    const [terminal] = sampleRun().slice(-1);
    plain = await startTestHttpServer((_req, res) => {
      const writer = new EventStreamWriter(res, { ...TEST_WRITER_OPTIONS, format: 'ndjson' });
      void writer.end(terminal);
    });

    const response = await getText(plain.port, '/');

    expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(parseNdjson(response.body)).toEqual([terminal]);
  });

  it('ends without an event with the reason given, e.g. server_shutdown', async () => {
    server = await startWriterTestServer();
    const client = RawStreamClient.get(server.port, '/');
    const { writer } = await server.nextStream();

    await expect(writer.end(undefined, 'server_shutdown')).resolves.toBe('server_shutdown');
    await client.waitFor(() => client.ended);
    expect(sseEvents(client.body)).toEqual([]);
  });

  it('gives up on a client that does not take the end within endTimeoutMs', async () => {
    server = await startWriterTestServer({ endTimeoutMs: 50, maxBufferBytes: 64 * 1024 * 1024 });
    await getPaused(server.port, '/');
    const { writer, res } = await server.nextStream();
    // 16 MB is more than the kernel buffers of a paused loopback reader hold (a few MB), so the
    // end stays stuck behind data the client never takes.
    let seq = 0;
    while (seq < 16 * 1024) writer.send(chunkOfSize(++seq, 1000));
    await new Promise((resolve) => setImmediate(resolve));
    expect(writer.isBackpressured).toBe(true);

    void writer.end({ type: 'complete_state', run_id: 'run-1', seq: seq + 1 });
    expect(writer.state).toBe('ending');

    await expect(writer.closed).resolves.toBe('client_gone');
    expect(res.destroyed).toBe(true);
    expect(writer.lastEventId).toBe(`run-1:${seq + 1}`);
    expect(writer.lastSentEvent?.type).toBe('complete_state');
  });
});
