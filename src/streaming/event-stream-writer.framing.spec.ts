import express from 'express';
import { EventStreamWriter } from './event-stream-writer';
import { negotiateStreamFormat } from './stream-format';
import { getText } from '../../test/support/streaming/http-test-client';
import { RawStreamClient } from '../../test/support/streaming/raw-stream-client';
import { sampleRun } from '../../test/support/streaming/stream-event-fixtures';
import { parseNdjson, parseSse, sseEvents } from '../../test/support/stream-parsers';
import { startTestHttpServer } from '../../test/support/streaming/test-http-server';
import {
  startWriterTestServer,
  TEST_WRITER_OPTIONS,
  type WriterTestServer,
} from '../../test/support/streaming/writer-test-server';

describe('EventStreamWriter framing over a real socket', () => {
  let server: WriterTestServer;

  beforeEach(async () => {
    server = await startWriterTestServer();
  });

  afterEach(() => server.close());

  it('flushes the SSE headers and preamble before any event is sent', async () => {
    const client = RawStreamClient.get(server.port, '/conversations/1/stream');
    const { writer } = await server.nextStream();
    await client.waitFor(() => client.chunks.length === 1);

    expect(client.head?.statusCode).toBe(200);
    expect(client.head?.headers).toMatchObject({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
      'transfer-encoding': 'chunked',
    });
    expect(parseSse(client.body)).toEqual([{ comment: 'connected' }]);
    expect(client.body).toBe(': connected\nretry: 3000\n');
    expect(writer.state).toBe('open');
    expect(writer.stats.eventsWritten).toBe(0);
    await writer.close('server_shutdown');
  });

  it('flushes the NDJSON headers at once, with no body yet', async () => {
    const client = RawStreamClient.get(server.port, '/', { Accept: 'application/x-ndjson' });
    const { writer } = await server.nextStream();
    await client.waitFor(() => client.head !== undefined);

    expect(client.head?.headers).toMatchObject({
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    expect(client.chunks).toEqual([]);
    expect(writer.stats.bytesWritten).toBe(0);
    await writer.close('server_shutdown');
  });

  it('sends SSE events with id <run_id>:<seq> and event <type>, then ends after the terminal event', async () => {
    const events = sampleRun();
    const client = RawStreamClient.get(server.port, '/');
    const { writer } = await server.nextStream();

    for (const event of events) expect(writer.send(event)).toBe(true);
    await client.waitFor(() => client.ended);

    const messages = parseSse(client.body).filter((message) => message.data !== undefined);
    expect(messages.map((message) => message.id)).toEqual(
      events.map((event) => `${event.run_id}:${event.seq}`),
    );
    expect(messages.map((message) => message.event)).toEqual(events.map((event) => event.type));
    expect(sseEvents(client.body)).toEqual(events);
    await expect(writer.closed).resolves.toBe('completed');
    expect(writer.stats).toMatchObject({ eventsWritten: events.length, heartbeatsWritten: 0 });
    expect(writer.stats.bytesWritten).toBe(Buffer.byteLength(client.body));
    expect(writer.lastEventId).toBe(`${events[5]?.run_id}:6`);
  });

  it("writes another protocol's framing with the encode option, skipping events it shows as ''", async () => {
    await server.close();
    server = await startWriterTestServer({
      encode: (event) => (event.type === 'tool_call' ? '' : `data: ${event.type}\n\n`),
    });
    const events = sampleRun();
    const client = RawStreamClient.get(server.port, '/');
    const { writer } = await server.nextStream();

    for (const event of events) expect(writer.send(event)).toBe(true);
    await client.waitFor(() => client.ended);

    const shown = events.filter((event) => event.type !== 'tool_call');
    expect(client.body).toBe(
      ': connected\nretry: 3000\n' + shown.map((event) => `data: ${event.type}\n\n`).join(''),
    );
    await expect(writer.closed).resolves.toBe('completed');
    expect(writer.stats.eventsWritten).toBe(shown.length);
  });

  it('closes with encodeEnd a stream that completes without a terminal event, never at shutdown', async () => {
    await server.close();
    server = await startWriterTestServer({
      encode: (event) => `data: ${event.type}\n\n`,
      encodeEnd: () => 'data: paused\n\n',
    });
    const [first] = sampleRun();
    const completed = RawStreamClient.get(server.port, '/');
    const paused = await server.nextStream();
    const shutDown = RawStreamClient.get(server.port, '/');
    const stopped = await server.nextStream();

    paused.writer.send(first);
    await paused.writer.end();
    await completed.waitFor(() => completed.ended);
    expect(completed.body).toBe(
      ': connected\nretry: 3000\ndata: message_chunk\n\ndata: paused\n\n',
    );
    await stopped.writer.end(undefined, 'server_shutdown');
    await shutDown.waitFor(() => shutDown.ended);
    expect(shutDown.body).toBe(': connected\nretry: 3000\n');
  });

  it('drops events sent after the terminal event instead of writing past the end', async () => {
    const [first, , , , , terminal] = sampleRun();
    const client = RawStreamClient.get(server.port, '/?format=ndjson');
    const { writer } = await server.nextStream();

    expect(writer.send(terminal)).toBe(true);
    expect(writer.send(first)).toBe(false);
    await writer.closed;
    await client.waitFor(() => client.ended);
    expect(parseNdjson(client.body)).toEqual([terminal]);
  });

  it('delivers the same event sequence in SSE and NDJSON', async () => {
    const events = sampleRun();
    const sse = getText(server.port, '/', { Accept: 'text/event-stream' });
    const sseStream = await server.nextStream();
    const ndjson = getText(server.port, '/?format=ndjson');
    const ndjsonStream = await server.nextStream();

    expect(sseStream.writer.format).toBe('sse');
    expect(ndjsonStream.writer.format).toBe('ndjson');
    for (const event of events) {
      sseStream.writer.send(event);
      ndjsonStream.writer.send(event);
    }
    const [sseResponse, ndjsonResponse] = await Promise.all([sse, ndjson]);

    expect(sseEvents(sseResponse.body)).toEqual(events);
    expect(parseNdjson(ndjsonResponse.body)).toEqual(events);
    expect(ndjsonResponse.body.split('\n')).toHaveLength(events.length + 1);
  });
});

describe('EventStreamWriter on an Express 5 response', () => {
  it('streams from an Express route, negotiating from req.headers and req.query', async () => {
    const events = sampleRun();
    const app = express();
    app.get('/stream', (req, res) => {
      res.setHeader('X-Request-Id', 'req-1');
      const format = negotiateStreamFormat(req.headers.accept, req.query.format as string);
      const writer = new EventStreamWriter(res, { ...TEST_WRITER_OPTIONS, format });
      writer.open();
      for (const event of events) writer.send(event);
    });
    const server = await startTestHttpServer(app);
    try {
      const sse = await getText(server.port, '/stream');
      const ndjson = await getText(server.port, '/stream', { Accept: 'application/x-ndjson' });

      expect(sse.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(sse.headers['x-request-id']).toBe('req-1');
      expect(sseEvents(sse.body)).toEqual(events);
      expect(ndjson.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
      expect(parseNdjson(ndjson.body)).toEqual(events);
    } finally {
      await server.close();
    }
  });
});
