import type { ServerResponse } from 'node:http';
import type { StreamCloseReason } from './stream-close-reason';
import { eventEncoderFor, heartbeatFor, ssePreamble } from './stream-encoding';
import { formatEventId, isTerminalEvent, type StreamEvent } from './stream-event';
import type { StreamFormat } from './stream-format';
import { streamHeaders } from './stream-headers';
import type { StreamSettings } from './stream-settings';

/** How one writer behaves; a `StreamSettings` object can be spread into it. */
export interface EventStreamWriterOptions extends Pick<
  StreamSettings,
  'heartbeatMs' | 'flushIntervalMs' | 'maxBufferBytes'
> {
  readonly format: StreamFormat;
  /** SSE `retry:` hint: how long EventSource waits before it reconnects. Default 3000 ms. */
  readonly retryMs?: number;
  /** How long an ended response may take to reach a stalled client before its socket is destroyed. Default 30 s. */
  readonly endTimeoutMs?: number;
  /**
   * Writes each event in another protocol's framing instead of the format's own (SSE only: the
   * preamble and heartbeats stay SSE comments). May return '' for an event the protocol does not
   * show; made per stream, so it may keep state.
   */
  readonly encode?: (event: StreamEvent) => string;
  /**
   * With `encode`: what closes the protocol when the stream completes without a terminal event
   * (a run paused for approval); '' for nothing. Not written at shutdown.
   */
  readonly encodeEnd?: () => string;
}

/** Figures for metrics, updated in place while the stream runs. */
export interface EventStreamWriterStats {
  /** Bytes handed to the response: preamble, events and heartbeats. */
  readonly bytesWritten: number;
  /** Events handed to the response (queued ones are not counted until they are). */
  readonly eventsWritten: number;
  readonly heartbeatsWritten: number;
  /** Calls to `res.write()`/`res.end()` carrying data; coalescing makes this smaller than the event count. */
  readonly writes: number;
  /** Peak of bytes held in memory for this client: the writer's queue plus Node's socket buffer. */
  readonly maxBufferedBytes: number;
}

/** Life of a writer: `idle` until `open()`, `ending` once the response end has been written. */
export type EventStreamWriterState = 'idle' | 'open' | 'ending' | 'closed';

/** Default SSE reconnection delay, in ms. */
export const DEFAULT_SSE_RETRY_MS = 3000;
/** Default time an ended response gets to reach the client, in ms. */
export const DEFAULT_END_TIMEOUT_MS = 30_000;
// While coalescing, a burst this large is written at once: waiting longer saves no syscalls.
const COALESCE_LIMIT_BYTES = 16 * 1024;

type MutableStats = { -readonly [K in keyof EventStreamWriterStats]: EventStreamWriterStats[K] };

/**
 * Writes one run's events to one HTTP response as SSE or NDJSON, for one subscriber.
 *
 * The producer is never blocked: `send()` returns at once. When the client reads slowly, events wait
 * in a byte-counted queue until the response drains; when holding the next event would exceed
 * `maxBufferBytes`, the connection is destroyed (reason `overflow`) so the client resumes from its
 * last event id, and the run goes on untouched. Timers and listeners are removed on every path.
 *
 * Node corks the socket for the rest of the tick on each write, so whatever is sent within one tick
 * stays in memory until the tick ends and counts against the bound: a producer with a backlog (a
 * replay from storage) must wait on `drained()`, or a fast client is dropped as if it were slow.
 */
export class EventStreamWriter {
  /** Settles (never rejects) once the response is over, with the reason. */
  readonly closed: Promise<StreamCloseReason>;
  readonly format: StreamFormat;

  private readonly res: ServerResponse;
  private readonly options: EventStreamWriterOptions;
  private readonly encode: (event: StreamEvent) => string;
  private readonly counters: MutableStats = {
    bytesWritten: 0,
    eventsWritten: 0,
    heartbeatsWritten: 0,
    writes: 0,
    maxBufferedBytes: 0,
  };
  private resolveClosed!: (reason: StreamCloseReason) => void;
  private current: EventStreamWriterState = 'idle';
  private reason: StreamCloseReason | undefined;
  private endReason: StreamCloseReason = 'completed';
  private pending: string[] = [];
  private pendingBytes = 0;
  private pendingEvents = 0;
  private awaitingDrain = false;
  private writesFlushed = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private endTimer: NodeJS.Timeout | undefined;
  private lastEvent: StreamEvent | undefined;
  private drainWaiters: ((drained: boolean) => void)[] | undefined;

  /** Wraps `res`, a Node or Express response whose headers are not sent yet; writes nothing yet. */
  constructor(res: ServerResponse, options: EventStreamWriterOptions) {
    this.res = res;
    this.options = options;
    this.format = options.format;
    this.encode = options.encode ?? eventEncoderFor(options.format);
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  /** Where the writer is in its life. */
  get state(): EventStreamWriterState {
    return this.current;
  }

  /** Why the stream ended; undefined while it is still going. */
  get closeReason(): StreamCloseReason | undefined {
    return this.reason;
  }

  /** The last event accepted by `send()`/`end()`, e.g. to number a final event on shutdown. */
  get lastSentEvent(): StreamEvent | undefined {
    return this.lastEvent;
  }

  /** `<run_id>:<seq>` of the last accepted event (the client may not have received it yet). */
  get lastEventId(): string | undefined {
    return this.lastEvent && formatEventId(this.lastEvent);
  }

  /** Bytes held for this client right now: the writer's queue plus Node's socket buffer. */
  get bufferedBytes(): number {
    return this.pendingBytes + this.res.writableLength;
  }

  /** True while the socket refuses more data and events wait in the writer's queue. */
  get isBackpressured(): boolean {
    return this.awaitingDrain;
  }

  /** Counters for metrics; the same object for the whole life of the stream. */
  get stats(): Readonly<EventStreamWriterStats> {
    return this.counters;
  }

  /**
   * Sends the headers at once (with the SSE preamble) and starts heartbeats. Returns false, and the
   * writer is closed as `client_gone`, when the client has already left. Throws when the headers were
   * already sent by someone else: that is a bug in the caller.
   */
  open(): boolean {
    if (this.current === 'closed') return false;
    if (this.current !== 'idle') throw new Error('EventStreamWriter.open() called twice');
    const res = this.res;
    if (res.destroyed || res.writableEnded) {
      this.finish('client_gone');
      return false;
    }
    if (res.headersSent) throw new Error('EventStreamWriter.open(): headers were already sent');
    this.current = 'open';
    res.on('close', this.onResponseClose);
    res.statusCode = 200;
    res.removeHeader('Content-Length');
    const headers = streamHeaders(this.format, res.req?.httpVersionMajor);
    for (const name of Object.keys(headers)) res.setHeader(name, headers[name]);
    if (this.format === 'sse') {
      // The preamble goes out with the headers in one packet.
      const preamble = ssePreamble(this.options.retryMs ?? DEFAULT_SSE_RETRY_MS);
      this.write(preamble, preamble.length, 0);
    } else {
      res.flushHeaders();
    }
    if (this.options.heartbeatMs > 0) {
      this.heartbeatTimer = setInterval(this.onHeartbeat, this.options.heartbeatMs);
    }
    return true;
  }

  /**
   * Queues or writes one event and returns at once. A terminal event (`complete_state`, `error`)
   * ends the stream, as `end(event)` does. Returns false when the subscriber is gone (closed, or
   * dropped just now for overflow): the producer should simply stop sending to it.
   */
  send(event: StreamEvent): boolean {
    if (this.current !== 'open') return false;
    if (isTerminalEvent(event)) {
      void this.end(event);
      return this.reason === undefined; // still ending, not dropped for overflow
    }
    const chunk = this.encode(event);
    if (chunk === '') return true; // an event the protocol of `options.encode` does not show
    const bytes = Buffer.byteLength(chunk);
    if (!this.fits(bytes)) {
      void this.close('overflow');
      return false;
    }
    this.lastEvent = event;
    if (this.pending.length === 0 && !this.awaitingDrain && this.options.flushIntervalMs === 0) {
      this.write(chunk, bytes, 1);
      return true;
    }
    this.pending.push(chunk);
    this.pendingBytes += bytes;
    this.pendingEvents += 1;
    this.noteBuffered();
    if (!this.awaitingDrain) {
      if (this.options.flushIntervalMs === 0 || this.pendingBytes >= COALESCE_LIMIT_BYTES) {
        this.flush();
      } else {
        this.flushTimer ??= setTimeout(this.onFlushTimer, this.options.flushIntervalMs);
      }
    }
    return true;
  }

  /**
   * Writes everything queued, then the optional terminal event, and ends the response (opening it
   * first if needed). Settles with `reason` once the client has the last byte, `client_gone` if it
   * leaves first (or has not taken it within `endTimeoutMs`), or `overflow` if the terminal event
   * did not fit in the buffer bound.
   */
  end(
    terminalEvent?: StreamEvent,
    reason: 'completed' | 'server_shutdown' = 'completed',
  ): Promise<StreamCloseReason> {
    if (this.current === 'idle') this.open();
    if (this.current !== 'open') return this.closed;
    if (terminalEvent) {
      const chunk = this.encode(terminalEvent);
      const bytes = Buffer.byteLength(chunk);
      if (!this.fits(bytes)) return this.close('overflow');
      this.lastEvent = terminalEvent;
      this.pending.push(chunk);
      this.pendingBytes += bytes;
      this.pendingEvents += 1;
    } else if (reason === 'completed' && this.options.encodeEnd) {
      const trailer = this.options.encodeEnd();
      const bytes = Buffer.byteLength(trailer);
      if (!this.fits(bytes)) return this.close('overflow');
      if (trailer !== '') this.pending.push(trailer);
      this.pendingBytes += bytes;
    }
    this.current = 'ending';
    this.endReason = reason;
    this.stopTimers();
    // res.end() takes the rest even under backpressure: it is already counted within the bound.
    if (this.pending.length > 0) {
      this.counters.bytesWritten += this.pendingBytes;
      this.counters.eventsWritten += this.pendingEvents;
      this.counters.writes += 1;
      this.res.end(this.takePending());
    } else {
      this.res.end();
    }
    this.noteBuffered();
    this.endTimer = setTimeout(
      this.onEndTimeout,
      this.options.endTimeoutMs ?? DEFAULT_END_TIMEOUT_MS,
    );
    return this.closed;
  }

  /**
   * Ends the stream now, dropping whatever is queued and destroying the connection so that the
   * client sees an interrupted stream and resumes from its last event id. A writer that was never
   * opened leaves the response alone (the caller may still answer it).
   */
  close(reason: StreamCloseReason = 'server_shutdown'): Promise<StreamCloseReason> {
    if (this.current === 'closed') return this.closed;
    const started = this.current !== 'idle';
    this.finish(reason);
    if (started) this.res.destroy();
    return this.closed;
  }

  /**
   * Resolves true as soon as the client takes data again (at once if it does now), false if the
   * stream closes first. For producers that can wait, such as a replay from storage, so that a long
   * backlog streams through the bound instead of overflowing it; a live run should not wait.
   */
  drained(): Promise<boolean> {
    if (this.current === 'closed') return Promise.resolve(false);
    if (!this.awaitingDrain) return Promise.resolve(true);
    return new Promise((resolve) => (this.drainWaiters ??= []).push(resolve));
  }

  private fits(bytes: number): boolean {
    const held = this.pendingBytes + this.res.writableLength;
    // An empty buffer takes any one event, or a single event larger than the bound would never pass.
    return held === 0 || held + bytes <= this.options.maxBufferBytes;
  }

  private flush(): void {
    this.clearFlushTimer();
    if (this.pending.length === 0) return;
    const bytes = this.pendingBytes;
    const events = this.pendingEvents;
    this.write(this.takePending(), bytes, events);
  }

  private takePending(): string {
    const chunk = this.pending.length === 1 ? this.pending[0] : this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingEvents = 0;
    return chunk;
  }

  private write(chunk: string, bytes: number, events: number): void {
    const accepted = this.res.write(chunk, this.onChunkFlushed);
    this.counters.writes += 1;
    this.counters.bytesWritten += bytes;
    this.counters.eventsWritten += events;
    // Node asks us to stop at its highWaterMark (16 KiB on Node 20, 64 KiB on Node 22); a small
    // bound must stop us sooner, or the queue would never be used before the bound is hit.
    if (!accepted || this.res.writableLength >= this.options.maxBufferBytes / 2) {
      this.awaitingDrain = true;
    }
    this.noteBuffered();
  }

  private noteBuffered(): void {
    const held = this.bufferedBytes;
    if (held > this.counters.maxBufferedBytes) this.counters.maxBufferedBytes = held;
  }

  private stopTimers(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    this.clearFlushTimer();
  }

  private clearFlushTimer(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  private finish(reason: StreamCloseReason): void {
    if (this.current === 'closed') return;
    this.current = 'closed';
    this.reason = reason;
    this.stopTimers();
    clearTimeout(this.endTimer);
    this.endTimer = undefined;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingEvents = 0;
    this.res.off('close', this.onResponseClose);
    this.settleDrainWaiters(false);
    this.resolveClosed(reason);
  }

  private settleDrainWaiters(drained: boolean): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = undefined;
    if (waiters) for (const resolve of waiters) resolve(drained);
  }

  private readonly onResponseClose = (): void => {
    // 'close' follows 'finish' on a normal end; without 'finish' the client left before the end.
    const delivered = this.current === 'ending' && this.res.writableFinished;
    this.finish(delivered ? this.endReason : 'client_gone');
  };

  // Write callbacks come in write order, once each chunk is handed to the kernel. When the last
  // write's has come, Node holds nothing for this client: that is our 'drain', and unlike the event
  // it also comes when we stopped below Node's highWaterMark.
  private readonly onChunkFlushed = (): void => {
    this.writesFlushed += 1;
    if (!this.awaitingDrain || this.writesFlushed !== this.counters.writes) return;
    this.awaitingDrain = false;
    if (this.current === 'open') this.flush();
    // The flush may have filled the socket again; waiters then wait for the next round.
    if (!this.awaitingDrain) this.settleDrainWaiters(true);
  };

  private readonly onFlushTimer = (): void => {
    this.flushTimer = undefined;
    if (!this.awaitingDrain) this.flush();
  };

  private readonly onHeartbeat = (): void => {
    // A connection with data waiting is not idle, and a heartbeat would only grow the queue.
    if (this.awaitingDrain || this.pending.length > 0) return;
    const heartbeat = heartbeatFor(this.format);
    this.write(heartbeat, heartbeat.length, 0);
    this.counters.heartbeatsWritten += 1;
  };

  private readonly onEndTimeout = (): void => {
    void this.close('client_gone');
  };
}
