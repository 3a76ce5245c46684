import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  EventStreamWriter,
  type EventStreamWriterOptions,
} from '../../../src/streaming/event-stream-writer';
import { negotiateStreamFormat } from '../../../src/streaming/stream-format';
import { startTestHttpServer, type TestHttpServer } from './test-http-server';

/** One request served by an `EventStreamWriter`, opened already. */
export interface ServedStream {
  readonly writer: EventStreamWriter;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

/** A test server that answers every request with an open writer and hands it to the test. */
export interface WriterTestServer extends TestHttpServer {
  /** The next request's stream, in arrival order. */
  nextStream(): Promise<ServedStream>;
}

/** Default writer options for tests: heartbeats and coalescing off unless a test turns them on. */
export const TEST_WRITER_OPTIONS: Omit<EventStreamWriterOptions, 'format'> = {
  heartbeatMs: 0,
  flushIntervalMs: 0,
  maxBufferBytes: 1024 * 1024,
};

/**
 * Starts a server whose handler negotiates the format from `Accept` and `?format=`, the way a
 * controller will, and opens an `EventStreamWriter` with `options`.
 */
export async function startWriterTestServer(
  options: Partial<Omit<EventStreamWriterOptions, 'format'>> = {},
): Promise<WriterTestServer> {
  const served: ServedStream[] = [];
  const waiting: ((stream: ServedStream) => void)[] = [];
  const server = await startTestHttpServer((req, res) => {
    const query =
      new URL(req.url ?? '/', 'http://localhost').searchParams.get('format') ?? undefined;
    const format = negotiateStreamFormat(req.headers.accept, query);
    const writer = new EventStreamWriter(res, { ...TEST_WRITER_OPTIONS, ...options, format });
    writer.open();
    const stream = { writer, req, res };
    const waiter = waiting.shift();
    if (waiter) waiter(stream);
    else served.push(stream);
  });
  return {
    ...server,
    nextStream: () => {
      const stream = served.shift();
      return stream ? Promise.resolve(stream) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}
