import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainException, ErrorCode } from '../common/errors/domain.exception';
import { retryAfterHeaders } from '../common/http/retry-after';
import { StreamMetrics, type StreamObservation } from '../metrics';
import {
  type EventStreamWriter,
  negotiateStreamFormat,
  type StreamRefusal,
  StreamRegistry,
} from '../streaming';
import type { JoinedRun } from './run-join';
import { isTerminal, type RunEvent } from './run-event.types';

/** A run's events to stream to one client. */
export interface RunStream {
  readonly runId: string;
  readonly events: JoinedRun;
  /** Called when the client leaves before the run's end (the service's disconnect policy). */
  clientGone(): void;
}

/**
 * Another protocol's framing of a run's events over SSE (an adapter in `src/protocols/`): headers
 * it adds, and an encoder made for each stream (it may keep state across the stream's events).
 */
export interface StreamProtocol {
  readonly headers?: Readonly<Record<string, string>>;
  encoder(): ProtocolEncoder;
}

/** One stream's framing: each event, and what closes a stream that ends without a terminal event. */
export interface ProtocolEncoder {
  encode(event: RunEvent): string;
  /** After the last event of a run that paused (approval) rather than ended; '' for nothing. */
  end?(): string;
}

/** The longest the terminal event waits for a client to take what it was sent before it. */
const EMPTY_WAIT_MS = 10_000;

/**
 * Writes runs to clients, as SSE or NDJSON (the one `EventStreamWriter` does both, with heartbeats,
 * write coalescing and the per-client buffer bound). Admits the stream before the run is touched
 * (a full or draining process, or a user at `STREAM_MAX_PER_USER`, is refused before anything is
 * stored), then copies the run's events until its terminal event or until the client leaves; the
 * run goes on either way. Records the stream's metrics.
 *
 * Not Nest's `@Sse()`: it writes SSE only, knows nothing of heartbeats or of a bound on what a slow
 * client may hold, and cannot wait for a client while replaying stored events.
 */
@Injectable()
export class RunStreamResponder {
  constructor(
    private readonly streams: StreamRegistry,
    private readonly metrics: StreamMetrics,
  ) {}

  /**
   * Admits a stream of `userId`, opens the run with `open` and writes it to `res`. `open` may answer
   * null: nothing to stream (204). With a `protocol`, the events go out in its framing (SSE).
   * @throws what `open` throws, and 503/429 when the stream is not admitted; nothing is written then
   */
  async respond(
    req: Request,
    res: Response,
    userId: string,
    open: () => Promise<RunStream | null>,
    protocol?: StreamProtocol,
  ): Promise<void> {
    const slot = this.streams.admit(userId);
    if (typeof slot === 'string') throw refused(slot);
    // Started before the run, so the first-event latency includes storing the user message.
    const observation = this.metrics.streamStarted();
    let stream: RunStream | null;
    try {
      stream = await open();
    } catch (error) {
      slot.release();
      observation.completed('refused');
      throw error;
    }
    if (!stream) {
      slot.release();
      observation.completed('empty');
      res.status(204).end();
      return;
    }
    const format = protocol
      ? 'sse'
      : negotiateStreamFormat(req.headers.accept, req.query.format as string | undefined);
    for (const [name, value] of Object.entries(protocol?.headers ?? {})) res.setHeader(name, value);
    const encoder = protocol?.encoder();
    const writer = slot.open(
      res,
      format,
      encoder && {
        encode: (event) => encoder.encode(event as RunEvent),
        encodeEnd: encoder.end && (() => encoder.end!()),
      },
    );
    void writer.closed.then((reason) => {
      observation.completed(reason);
      if (reason === 'client_gone') stream.clientGone();
    });
    await copy(stream.events, writer, observation);
  }
}

/**
 * Copies events to the writer until the terminal event (which ends the response) or until the
 * client goes away. A replay is sent no faster than the client takes it: Node holds everything
 * written within one tick, and a fast client would otherwise be dropped as if it were slow. Live events are never waited for: the writer bounds what a slow
 * client may hold and drops it past the bound, and the client resumes with Last-Event-ID.
 */
async function copy(
  events: JoinedRun,
  writer: EventStreamWriter,
  observation: StreamObservation,
): Promise<void> {
  void writer.closed.then(() => events.return());
  for await (const event of events) {
    if (events.replaying && writer.isBackpressured && !(await writer.drained())) break;
    // The terminal event carries the whole answer and may alone be near the bound: let the client
    // take what it has first, so that it does not push a reader that keeps up over the bound.
    if (isTerminal(event) && !(await emptied(writer))) break;
    if (!writer.send(event)) break;
    observation.event(event.type);
    if (event.type === 'message_chunk') observation.tokens(event.tokens);
  }
  // Over without a terminal event (the run's conversation was deleted): just end the response.
  if (writer.state === 'open') await writer.end();
}

/** Waits (up to a bound) until the client has taken everything written so far. */
async function emptied(writer: EventStreamWriter): Promise<boolean> {
  const deadline = Date.now() + EMPTY_WAIT_MS;
  while (writer.bufferedBytes > 0 && Date.now() < deadline) {
    if (!(await writer.drained())) return false;
    if (writer.bufferedBytes > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return writer.state === 'open';
}

function refused(reason: StreamRefusal): DomainException {
  if (reason === 'owner_limit') {
    return new DomainException(
      ErrorCode.RateLimited,
      429,
      'You have as many streams open as allowed; close one (or poll GET .../events).',
      { headers: retryAfterHeaders(1000) },
    );
  }
  return new DomainException(
    ErrorCode.ServiceUnavailable,
    503,
    reason === 'draining'
      ? 'The server is shutting down; retry on another instance.'
      : 'The server cannot take another stream now; retry shortly or use GET .../events.',
    { headers: retryAfterHeaders(1000) },
  );
}
