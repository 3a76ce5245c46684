import { type Http, sleep } from './http.js';
import { readSse } from './sse-parser.js';
import { type ApprovalDecision, type EventsPage, isTerminalEvent, type RunEvent } from './types.js';

/** How a stream's events are read. */
export type StreamTransport = 'sse' | 'polling';

/** Options of `stream()` and `resume()`. */
export interface StreamOptions {
  /**
   * Stops reading; the server's run is cancelled too (unless `cancelOnAbort` is false) and the
   * iteration throws the signal's reason.
   */
  signal?: AbortSignal;
  /** Whether an abort also cancels the run on the server (`POST .../cancel`). Default true. */
  cancelOnAbort?: boolean;
  /**
   * `sse` (default): one streamed response, resumed after a drop. `polling`: the events are read
   * from `GET .../events`, for networks whose proxies buffer or cut streams.
   */
  transport?: StreamTransport;
  /** How many times a dropped stream is resumed before polling takes over. Default 3. */
  maxResumes?: number;
  /** The pause between two polls that found nothing new. Default 500 ms. */
  pollIntervalMs?: number;
  /** Start after this event (`<run_id>:<seq>`), e.g. one kept across a page reload. */
  lastEventId?: string;
  /** Called before each automatic resume (after a drop) with the id it resumes after. */
  onResume?: (lastEventId: string | undefined) => void;
}

/** Options of `stream()`: those of {@link StreamOptions} and the run's Idempotency-Key. */
export interface SendStreamOptions extends StreamOptions {
  /** Sent as `Idempotency-Key`; a new random one when absent. Reuse it to retry the same send. */
  idempotencyKey?: string;
}

/**
 * What a {@link RunStream} asks the server for: a new run (a message sent, a question edited or
 * answered again), the conversation's latest run, or the rest of a paused run.
 */
export type StreamTarget =
  | { kind: 'send'; conversationId: string; content: string; idempotencyKey: string }
  | {
      kind: 'edit';
      conversationId: string;
      messageId: string;
      content: string;
      idempotencyKey: string;
    }
  | { kind: 'regenerate'; conversationId: string; messageId: string; idempotencyKey: string }
  | { kind: 'follow'; conversationId: string }
  | { kind: 'approve'; conversationId: string; runId: string; decisions: ApprovalDecision[] };

/** The targets that start a new run: sent with an Idempotency-Key, so a resume re-sends them. */
type StartTarget = Extract<StreamTarget, { idempotencyKey: string }>;

function startsRun(target: StreamTarget): target is StartTarget {
  return target.kind === 'send' || target.kind === 'edit' || target.kind === 'regenerate';
}

/** The request that starts the run of a {@link StartTarget}: its path and body. */
function startRequest(target: StartTarget): { path: string; body?: unknown } {
  const conversation = `/conversations/${encodeURIComponent(target.conversationId)}`;
  switch (target.kind) {
    case 'send':
      return { path: `${conversation}/stream`, body: { content: target.content } };
    case 'edit':
      return {
        path: `${conversation}/messages/${encodeURIComponent(target.messageId)}/edit`,
        body: { content: target.content },
      };
    case 'regenerate':
      return {
        path: `${conversation}/messages/${encodeURIComponent(target.messageId)}/regenerate`,
      };
  }
}

/**
 * A run's events as an async iterable, each delivered once and in order. A stream that drops
 * before the run's last event is resumed after the last event delivered (`Last-Event-ID`, with the
 * same Idempotency-Key for a send); after `maxResumes` failed resumes, or when the response is not
 * an event stream at all (a proxy rewrote it), the events are polled from `GET .../events`
 * instead. Iterate it once.
 */
export class RunStream implements AsyncIterable<RunEvent> {
  /** The run's id, once its first event arrived. */
  runId: string | undefined;
  /** The last delivered event's id (`<run_id>:<seq>`): keep it to resume after a reload. */
  lastEventId: string | undefined;
  /** How many times the stream was resumed after a drop. */
  resumes = 0;
  /** How the events are being read (`polling` once the fallback took over). */
  transport: StreamTransport;

  private lastSeq = 0;
  private iterated = false;
  /** Whether the decisions of an `approve` target were sent. */
  private decided = false;
  /** In polling mode, the run before ours: its events are not ours. */
  private previousRunId: string | undefined;

  constructor(
    private readonly http: Http,
    private readonly target: StreamTarget,
    private readonly options: StreamOptions = {},
  ) {
    this.transport = options.transport ?? 'sse';
    this.lastEventId = options.lastEventId;
    const position = options.lastEventId ? parseEventId(options.lastEventId) : undefined;
    this.runId = position?.runId;
    this.lastSeq = position?.seq ?? 0;
  }

  /** The events, to `for await`. */
  [Symbol.asyncIterator](): AsyncIterator<RunEvent> {
    if (this.iterated) throw new Error('A RunStream can be iterated only once');
    this.iterated = true;
    return this.iterate();
  }

  /** Reads the whole stream and answers its events. */
  async collect(): Promise<RunEvent[]> {
    const events: RunEvent[] = [];
    for await (const event of this) events.push(event);
    return events;
  }

  private async *iterate(): AsyncGenerator<RunEvent> {
    // One controller for everything this stream opens: aborted by the caller's signal, or when the
    // iteration ends for any reason (a `break` included), so no connection outlives it.
    const internal = new AbortController();
    const outer = this.options.signal;
    const forward = () => internal.abort(outer?.reason);
    outer?.addEventListener('abort', forward, { once: true });
    try {
      outer?.throwIfAborted();
      if (this.transport === 'sse') {
        const finished = yield* this.streamEvents(internal.signal);
        if (finished) return;
        this.transport = 'polling';
      } else if (startsRun(this.target)) {
        await this.startForPolling(internal.signal);
      }
      yield* this.pollEvents(internal.signal);
    } catch (error) {
      if (outer?.aborted) {
        if (this.options.cancelOnAbort ?? true) await this.cancelOnServer();
        throw outer.reason;
      }
      throw error;
    } finally {
      outer?.removeEventListener('abort', forward);
      internal.abort();
    }
  }

  /**
   * Streams and resumes; answers true when the run's stream ended (its last event delivered, or
   * nothing to stream), false when polling must take over.
   */
  private async *streamEvents(signal: AbortSignal): AsyncGenerator<RunEvent, boolean> {
    for (let failures = 0; ;) {
      let response: Response | undefined;
      try {
        response = await this.open(signal);
      } catch (error) {
        // Error answers (a 409, a 404, retries spent on a 429…) are the caller's to see.
        if (signal.aborted || !(error instanceof TypeError)) throw error;
      }
      if (response) {
        if (response.status === 204) return true;
        if (!isEventStream(response)) {
          await response.body?.cancel().catch(() => undefined);
          return false;
        }
        try {
          for await (const message of readSse(response.body!)) {
            const event = parseEvent(message.data);
            if (!event) return false;
            if (!this.accept(event)) continue;
            yield event;
            if (isTerminalEvent(event)) return true;
          }
        } catch (error) {
          if (signal.aborted) throw error;
          // Otherwise the connection dropped: resume below.
        }
      }
      if (++failures > (this.options.maxResumes ?? 3)) return false;
      this.resumes++;
      this.options.onResume?.(this.lastEventId);
      // A short pause, longer each time, so a server that is restarting is not hammered.
      await sleep(Math.min(200 * 2 ** (failures - 1), 5000), signal);
    }
  }

  /**
   * Opens the stream: the request that starts the run (again, with the same key, after a drop: the
   * server answers the same run from `Last-Event-ID`), the decisions, or a follow.
   */
  private open(signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (this.lastEventId) headers['Last-Event-ID'] = this.lastEventId;
    const path = `/conversations/${encodeURIComponent(this.target.conversationId)}/stream`;
    if (this.target.kind === 'approve' && !this.decided) {
      // Decisions are sent once (a second would be a 409): after a drop the run is followed.
      this.decided = true;
      return this.http.send({
        method: 'POST',
        path: `/conversations/${encodeURIComponent(this.target.conversationId)}/runs/${encodeURIComponent(this.target.runId)}/approvals`,
        body: { decisions: this.target.decisions },
        headers,
        signal,
        safeToRepeat: false,
      });
    }
    if (startsRun(this.target)) {
      headers['Idempotency-Key'] = this.target.idempotencyKey;
      return this.http.send({
        method: 'POST',
        ...startRequest(this.target),
        headers,
        signal,
        safeToRepeat: true,
      });
    }
    return this.http.send({ method: 'GET', path, headers, signal, safeToRepeat: true });
  }

  /**
   * Polling mode's start: notes the run before ours (its events are not ours), then starts the run
   * with a stream that is left open, unread, so the run starts as on any other path.
   */
  private async startForPolling(signal: AbortSignal): Promise<void> {
    const before = await this.fetchEvents(undefined, signal);
    this.previousRunId = before.events.at(-1)?.run_id;
    const response = await this.open(signal);
    // Nothing is read from it: a proxy that buffers would hold it anyway. Aborted at the end.
    void response.body?.pipeTo(new WritableStream()).catch(() => undefined);
  }

  /** Polls `GET .../events` until the run's last event. */
  private async *pollEvents(signal: AbortSignal): AsyncGenerator<RunEvent> {
    for (;;) {
      const page = await this.fetchEvents(this.lastEventId, signal);
      let fresh = 0;
      for (const event of page.events) {
        if (!this.runId && event.run_id === this.previousRunId) continue;
        if (!this.accept(event)) continue;
        fresh++;
        yield event;
        if (isTerminalEvent(event)) return;
      }
      // `done` about our run (not the previous one) means no event follows.
      if (page.done && this.runId) return;
      if (fresh === 0) await sleep(this.options.pollIntervalMs ?? 500, signal);
    }
  }

  private fetchEvents(after: string | undefined, signal: AbortSignal): Promise<EventsPage> {
    const query = after ? `?after=${encodeURIComponent(after)}` : '';
    return this.http.json<EventsPage>({
      method: 'GET',
      path: `/conversations/${encodeURIComponent(this.target.conversationId)}/events${query}`,
      signal,
      safeToRepeat: true,
    });
  }

  /** Whether the event is new (not one delivered before a resume); records it if so. */
  private accept(event: RunEvent): boolean {
    if (this.runId === event.run_id && event.seq <= this.lastSeq) return false;
    this.runId = event.run_id;
    this.lastSeq = event.seq;
    this.lastEventId = `${event.run_id}:${event.seq}`;
    return true;
  }

  /** Cancels the run on the server; a run already over (409) is not an error here. */
  private async cancelOnServer(): Promise<void> {
    try {
      await this.http.send({
        method: 'POST',
        path: `/conversations/${encodeURIComponent(this.target.conversationId)}/cancel`,
        safeToRepeat: true,
      });
    } catch {
      // The run ended meanwhile, or the server is unreachable: nothing more to do.
    }
  }
}

/** `<run_id>:<seq>` into its parts. */
export function parseEventId(id: string): { runId: string; seq: number } | undefined {
  const colon = id.lastIndexOf(':');
  const seq = Number(id.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(seq) || seq < 0) return undefined;
  return { runId: id.slice(0, colon), seq };
}

function isEventStream(response: Response): boolean {
  return (
    response.body !== null &&
    (response.headers.get('Content-Type') ?? '').toLowerCase().startsWith('text/event-stream')
  );
}

/** An event from an SSE `data` field, or undefined when it is not one (a proxy mangled it). */
function parseEvent(data: string): RunEvent | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return value && typeof value === 'object' && 'type' in value && 'seq' in value
      ? (value as RunEvent)
      : undefined;
  } catch {
    return undefined;
  }
}
