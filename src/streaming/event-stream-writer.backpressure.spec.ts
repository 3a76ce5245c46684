import type { EventStreamWriter } from './event-stream-writer';
import { getPaused, getText, readToClose } from '../../test/support/streaming/http-test-client';
import { RawStreamClient } from '../../test/support/streaming/raw-stream-client';
import { chunkOfSize, type TestEvent } from '../../test/support/streaming/stream-event-fixtures';
import { parseNdjson, parseSse } from '../../test/support/stream-parsers';
import {
  startWriterTestServer,
  type WriterTestServer,
} from '../../test/support/streaming/writer-test-server';

const KIB = 1024;
const MIB = 1024 * KIB;
// These tests move megabytes through real sockets: give them room on a loaded CI machine.
const HEAVY_TEST_TIMEOUT_MS = 30_000;

/**
 * Sends ~`totalBytes` of 1 KiB events, 16 at a time, yielding between batches like a live run
 * (which never waits for the client). Returns the last seq sent.
 */
async function produce(writer: EventStreamWriter, totalBytes: number): Promise<number> {
  let seq = 0;
  while (seq * KIB < totalBytes) {
    for (let i = 0; i < 16; i += 1) {
      if (!writer.send(chunkOfSize(++seq, 1000))) return seq;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return seq;
}

/** The seq numbers of the complete events in an SSE body that may end in a cut message. */
function completeSeqs(body: string): number[] {
  const complete = body.slice(0, body.lastIndexOf('\n\n') + 2);
  return parseSse(complete)
    .filter((message) => message.data !== undefined)
    .map((message) => (JSON.parse(message.data as string) as TestEvent).seq);
}

describe('EventStreamWriter backpressure', () => {
  let server: WriterTestServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it(
    'drops a reader that stops reading, holding no more than maxBufferBytes plus one event for it',
    async () => {
      const maxBufferBytes = 64 * KIB;
      server = await startWriterTestServer({ maxBufferBytes });
      const res = await getPaused(server.port, '/');
      const { writer } = await server.nextStream();

      const sent = await produce(writer, 20 * MIB);

      await expect(writer.closed).resolves.toBe('overflow');
      const eventBytes = Buffer.byteLength(JSON.stringify(chunkOfSize(sent, 1000))) + 64;
      expect(writer.stats.maxBufferedBytes).toBeLessThanOrEqual(maxBufferBytes + eventBytes);
      expect(writer.stats.maxBufferedBytes).toBeGreaterThan(maxBufferBytes / 2);
      expect(sent * KIB).toBeLessThan(20 * MIB);
      expect(writer.send(chunkOfSize(sent + 1, 10))).toBe(false);

      // The client gets a cut stream, not a clean end, and every whole event it got is in order:
      // it resumes with the id of the last one.
      const { body, complete } = await readToClose(res);
      expect(complete).toBe(false);
      const seqs = completeSeqs(body);
      expect(seqs.length).toBeGreaterThan(0);
      expect(seqs).toEqual(seqs.map((_, index) => index + 1));
    },
    HEAVY_TEST_TIMEOUT_MS,
  );

  it(
    'queues for a paused reader within the bound and delivers everything in order once it reads',
    async () => {
      server = await startWriterTestServer({ maxBufferBytes: 64 * MIB, heartbeatMs: 10 });
      const res = await getPaused(server.port, '/?format=ndjson');
      const { writer } = await server.nextStream();
      const events = Array.from({ length: 12 * KIB }, (_, index) => chunkOfSize(index + 1, 1000));

      expect(events.every((event) => writer.send(event))).toBe(true);
      expect(writer.bufferedBytes).toBeGreaterThan(4 * MIB);
      const heartbeatsWhileFull = writer.stats.heartbeatsWritten;
      // Several heartbeat periods pass while data waits: none may be added to the queue.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(writer.stats.heartbeatsWritten).toBe(heartbeatsWhileFull);

      const reading = readToClose(res);
      void writer.end({ type: 'complete_state', run_id: 'run-1', seq: events.length + 1 });
      const { body, complete } = await reading;

      expect(complete).toBe(true);
      const received = parseNdjson(body).filter((line) => (line as TestEvent).seq !== undefined);
      expect(received).toHaveLength(events.length + 1);
      expect(received.map((line) => (line as TestEvent).seq)).toEqual(
        received.map((_, index) => index + 1),
      );
      await expect(writer.closed).resolves.toBe('completed');
      expect(writer.stats.eventsWritten).toBe(events.length + 1);
    },
    HEAVY_TEST_TIMEOUT_MS,
  );

  // 8 KiB is below Node's own highWaterMark (16 KiB on Node 20, 64 KiB on 22), so Node alone would
  // never ask the producer to wait before the bound is hit.
  it.each([64 * KIB, 8 * KIB])(
    'streams an 8 MB backlog through a %p-byte bound when the producer waits for drained()',
    async (maxBufferBytes) => {
      server = await startWriterTestServer({ maxBufferBytes });
      const reading = getText(server.port, '/?format=ndjson');
      const { writer } = await server.nextStream();
      const count = 8 * KIB;

      for (let seq = 1; seq <= count; seq += 1) {
        expect(writer.send(chunkOfSize(seq, 1000))).toBe(true);
        if (writer.isBackpressured) expect(await writer.drained()).toBe(true);
      }
      void writer.end({ type: 'complete_state', run_id: 'run-1', seq: count + 1 });
      const { body } = await reading;

      await expect(writer.closed).resolves.toBe('completed');
      expect(writer.stats.maxBufferedBytes).toBeLessThanOrEqual(maxBufferBytes);
      const seqs = parseNdjson(body).map((line) => (line as TestEvent).seq);
      expect(seqs).toEqual(seqs.map((_, index) => index + 1));
      expect(seqs).toHaveLength(count + 1);
      expect(await writer.drained()).toBe(false);
    },
    HEAVY_TEST_TIMEOUT_MS,
  );

  it('lets one event larger than the bound through when nothing else is buffered', async () => {
    server = await startWriterTestServer({ maxBufferBytes: KIB });
    const client = RawStreamClient.get(server.port, '/?format=ndjson');
    const { writer } = await server.nextStream();
    const big = chunkOfSize(1, 10 * KIB);

    expect(writer.send(big)).toBe(true);
    await client.waitFor(() => parseNdjson(client.body).length === 1);
    writer.send({ type: 'complete_state', run_id: 'run-1', seq: 2 });
    await client.waitFor(() => client.ended);

    await expect(writer.closed).resolves.toBe('completed');
    expect(parseNdjson(client.body)).toHaveLength(2);
  });

  it('drops the reader when even the terminal event does not fit', async () => {
    const maxBufferBytes = 64 * KIB;
    server = await startWriterTestServer({ maxBufferBytes });
    const res = await getPaused(server.port, '/');
    const { writer } = await server.nextStream();
    let seq = 0;
    while (writer.bufferedBytes < maxBufferBytes - 2 * KIB) {
      expect(writer.send(chunkOfSize(++seq, 1000))).toBe(true);
    }

    const terminal = {
      type: 'complete_state',
      run_id: 'run-1',
      seq: seq + 1,
      message: 'y'.repeat(8 * KIB),
    };
    expect(writer.send(terminal)).toBe(false);

    await expect(writer.closed).resolves.toBe('overflow');
    expect(writer.stats.maxBufferedBytes).toBeLessThanOrEqual(maxBufferBytes);
    expect((await readToClose(res)).complete).toBe(false);
  });
});
