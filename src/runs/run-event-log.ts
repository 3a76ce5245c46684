import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { streamConfig, type StreamConfig } from '../config';
import { isTransientDatabaseError } from '../database/database-errors';
import type { SqlPart } from '../database/sql-part';
import { storableValue } from '../database/storable';
import { RunJoin, type JoinedRun } from './run-join';
import {
  PAUSED_NOTICE,
  RUN_EVENTS_CHANNEL,
  RunEventStore,
  type StoredRunPage,
} from './run-event.store';
import {
  isTerminal,
  RUN_ABANDONED,
  type RunEvent,
  type TerminalRunEvent,
  type UnnumberedRunEvent,
  type UnnumberedTerminalEvent,
} from './run-event.types';
import { RunNotificationsService } from './run-notifications.service';

/** Why the log stopped taking a run's events; the run then ends with a `storage_unavailable` error. */
export class RunStorageError extends Error {
  override readonly name = 'RunStorageError';
  constructor(
    readonly kind: 'closed_elsewhere' | 'rejected' | 'unavailable',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** How a run ends: its terminal event, and what to store with it in the same statement. */
export interface RunEnding {
  terminal: UnnumberedTerminalEvent;
  /**
   * More to store with the end (the answer's messages), given the name of a CTE that has a row
   * only while the run is still this process's to end.
   */
  alsoStore?: (guard: string) => SqlPart;
}

/**
 * Events taken into one statement at most (whole runs at a time): serialising and parsing a
 * statement is work on the event loop, which must stay short whatever the load.
 */
const MAX_EVENTS_PER_STATEMENT = 2000;

/** Events of a run that failed to store for this long while the database was away: the run stops. */
const GIVE_UP_AFTER_MS = 30_000;
const RETRY_BASE_MS = 100;
const RETRY_MAX_MS = 5_000;

/** The state of a run this process writes. */
interface OwnedRun {
  readonly runId: string;
  /** Aborted with a {@link RunStorageError} when its events cannot be stored any more. */
  readonly abort: AbortController;
  /** The seq the next numbered event takes. */
  nextSeq: number;
  /** The last seq stored. */
  storedSeq: number;
  /** When its events were last taken for a write (`performance.now()`). */
  lastWriteAt: number;
  /** Events appended and not yet taken into a write. */
  pending: UnnumberedRunEvent[];
  /** Events being written now. */
  writing: number;
  failure?: RunStorageError;
  /** Since when writes of this run have been failing (the database is away). */
  failingSince?: number;
  /** Called once nothing of this run is pending or being written. */
  flushWaiters: Array<() => void>;
}

type Batch = Array<{ run: OwnedRun; events: RunEvent[] }>;

/**
 * The run event log: every event of every run goes through here, and every reader of a run
 * (the stream that started it, a resumed stream on any instance, the polling endpoint, a caller
 * waiting for the answer) reads it through here.
 *
 * - {@link append} takes an event of a run this process executes. Events are numbered and written
 *   in the background, those of every run together (one INSERT, with its NOTIFYs, per round trip),
 *   and only then published: no client ever sees an event that is not stored, so a seq a client
 *   holds is never handed out again, even after a crash. Chunks of text that wait for the same
 *   write are merged into one event, so events (and rows, JSON and socket writes) scale with time
 *   rather than with tokens under load.
 * - {@link end} stores the run's terminal event in one transaction with whatever the caller stores
 *   (the answer's messages) and the run's new status: exactly one terminal event per run.
 * - {@link join} follows a run from a seq to its end, whether it executes here (its events are
 *   handed over in memory as they are stored) or elsewhere (read from storage when PostgreSQL
 *   announces them), see {@link RunJoin}.
 *
 * One retry rule for every write: a database that is away is retried with backoff; any other
 * failure (a run deleted with its conversation, a run closed by another instance) is final for the
 * run, which is stopped. A run whose events could not be stored for {@link GIVE_UP_AFTER_MS} is
 * stopped too, and its end is retried until it is stored or the process shuts down.
 */
@Injectable()
export class RunEventLog implements OnApplicationShutdown {
  private readonly logger = new Logger('RunEventLog');
  private readonly owned = new Map<string, OwnedRun>();
  private readonly dirty = new Set<OwnedRun>();
  private writing?: Promise<void>;
  private laterTimer?: NodeJS.Timeout;
  private readonly chunkWindowMs: number;
  private readonly joins = new Map<string, { joins: Set<RunJoin>; unlisten: () => void }>();
  private closing = false;

  constructor(
    private readonly store: RunEventStore,
    private readonly notifications: RunNotificationsService,
    @Inject(streamConfig.KEY) stream: StreamConfig,
  ) {
    this.chunkWindowMs = stream.chunkWindowMs;
    // Notifications sent while the connection was down are lost: every follower reads again.
    notifications.onReconnect(() => {
      for (const { joins } of this.joins.values()) for (const join of joins) join.wake();
    });
  }

  /** The owner key runs written here carry. */
  get ownerKey(): string {
    return this.notifications.ownerKey;
  }

  /**
   * Starts writing a run this process has just created (its events start at seq 1), or continues
   * one it has just claimed after a pause (its events go on after `storedSeq`).
   * @param abort aborted, with a {@link RunStorageError}, if the run's events cannot be stored
   */
  open(runId: string, abort: AbortController, storedSeq = 0): void {
    this.owned.set(runId, {
      runId,
      abort,
      nextSeq: storedSeq + 1,
      storedSeq,
      lastWriteAt: -Infinity,
      pending: [],
      writing: 0,
      flushWaiters: [],
    });
  }

  /** Queues an event of a run opened here; it is published once stored. */
  append(runId: string, event: UnnumberedRunEvent): void {
    const run = this.owned.get(runId);
    if (!run || run.failure) return;
    run.pending.push(storableValue(event));
    this.dirty.add(run);
    this.kick();
  }

  /**
   * Ends a run opened here: waits for its events to be stored, then stores, in one statement, the
   * terminal event `ending` describes with what it adds (the answer's messages) and the run's new
   * status. Publishes and returns the stored terminal event. If the run's events could not be
   * stored, or the end fails for a reason other than the database being away, the run ends with a
   * bare `storage_unavailable` error instead.
   * @throws RunStorageError only when the database stayed away until the process shut down
   */
  async end(
    runId: string,
    ending: () => RunEnding | Promise<RunEnding>,
  ): Promise<TerminalRunEvent> {
    const run = this.owned.get(runId);
    if (!run) throw new Error(`Run ${runId} is not written by this process`);
    await new Promise<void>((resolve) => this.whenFlushed(run, resolve));
    try {
      const terminal = await this.storeEnd(run, run.failure ? storageFailed : ending);
      if (terminal) {
        this.publish(runId, [terminal]);
        return terminal;
      }
      // Another instance closed it (its owner looked dead): that end is the stored one.
      this.wake(runId);
      return await this.storedTerminal(runId);
    } finally {
      this.owned.delete(runId);
    }
  }

  /**
   * Pauses a run opened here until a person decides on its pending tool calls: waits for its
   * events to be stored, then stores what `alsoStore` adds (the messages produced so far) with the
   * run's new status in one statement, and lets its readers go (they end after the events they
   * have). The run is no longer written here; whoever claims it next opens it again.
   * @returns false when the run could not be paused (its events failed to store, or it was closed
   *   elsewhere): end it instead
   */
  async pause(runId: string, alsoStore?: (guard: string) => SqlPart): Promise<boolean> {
    const run = this.owned.get(runId);
    if (!run) throw new Error(`Run ${runId} is not written by this process`);
    await new Promise<void>((resolve) => this.whenFlushed(run, resolve));
    if (run.failure) return false;
    for (let attempt = 0; ; attempt++) {
      try {
        if (!(await this.store.pause(this.ownerKey, runId, alsoStore))) return false;
        break;
      } catch (error) {
        if (!isTransientDatabaseError(error) || this.closing) return false;
        await delay(backoffMs(attempt));
      }
    }
    this.owned.delete(runId);
    this.wake(runId);
    return true;
  }

  /** Up to `limit` stored events of a run after `afterSeq`, and whether more may follow. */
  read(runId: string, afterSeq: number, limit: number): Promise<StoredRunPage> {
    return this.store.readPage(runId, afterSeq, limit);
  }

  /**
   * Follows a run: its events after `afterSeq`, live, to its terminal event (or until the run is
   * over or gone). Each reader gets its own; end it early with `return()` (or `break`).
   */
  join(runId: string, afterSeq = 0): JoinedRun {
    // Of a run executing here, what is stored already is the replay; of a run executing elsewhere,
    // everything is read from storage, page by page.
    const owned = this.owned.get(runId);
    const replayUntil = owned?.storedSeq ?? Number.MAX_SAFE_INTEGER;
    // A run executing here with nothing stored after the reader's position: its events will be
    // handed over as they are stored, there is nothing to read first.
    const readFirst = !owned || owned.storedSeq > afterSeq;
    const join = new RunJoin(runId, afterSeq, replayUntil, readFirst, this.store, () =>
      this.leave(runId, join),
    );
    let entry = this.joins.get(runId);
    if (!entry) {
      const unlisten = this.notifications.subscribe(RUN_EVENTS_CHANNEL, runId, (payload) => {
        // Of a run written here the log hands events over itself (the announcement of an event
        // may even arrive before its own write is acknowledged); an end stored by another
        // instance wakes the readers explicitly (see `end`).
        if (this.owned.has(runId)) return;
        // A pause announces no new seq: every reader reads the run's status again.
        const notice = payload.slice(payload.lastIndexOf(':') + 1);
        const seq = notice === PAUSED_NOTICE ? undefined : Number(notice);
        for (const each of this.joins.get(runId)?.joins ?? []) each.wake(seq);
      });
      entry = { joins: new Set(), unlisten };
      this.joins.set(runId, entry);
    }
    entry.joins.add(join);
    return join;
  }

  /**
   * Resolves once no reader follows any of these runs any more (each took its terminal event, or
   * left), or at `deadline` (epoch ms). Shutdown waits for this, so that the streams of runs that
   * just ended send their end before they are closed.
   */
  async readersGone(runIds: readonly string[], deadline: number): Promise<void> {
    const followed = () => runIds.some((id) => this.joins.has(id));
    while (followed() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Stops retrying: writes still failing give up (the runs are closed by whoever sweeps them). */
  onApplicationShutdown(): void {
    this.closing = true;
    clearTimeout(this.laterTimer);
  }

  private leave(runId: string, join: RunJoin): void {
    const entry = this.joins.get(runId);
    if (!entry?.joins.delete(join) || entry.joins.size > 0) return;
    entry.unlisten();
    this.joins.delete(runId);
  }

  private publish(runId: string, events: RunEvent[]): void {
    const entry = this.joins.get(runId);
    if (entry) for (const join of entry.joins) join.pushed(events);
  }

  private wake(runId: string): void {
    for (const join of this.joins.get(runId)?.joins ?? []) join.wake();
  }

  private whenFlushed(run: OwnedRun, callback: () => void): void {
    if (run.pending.length === 0 && run.writing === 0) callback();
    else run.flushWaiters.push(callback);
  }

  private settleFlushWaiters(run: OwnedRun): void {
    if (run.pending.length > 0 || run.writing > 0) return;
    const waiters = run.flushWaiters;
    run.flushWaiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Starts the writer unless it runs. */
  private kick(): void {
    if (this.writing) return;
    this.writing = this.writeAll().finally(() => {
      this.writing = undefined;
      if (this.dirty.size > 0) this.writeLater();
    });
  }

  /** Writes what is pending, one statement at a time, until nothing is (or only held-back runs). */
  private async writeAll(): Promise<void> {
    while (this.dirty.size > 0) {
      const now = performance.now();
      const batch: Batch = [];
      let size = 0;
      for (const run of this.dirty) {
        if (size >= MAX_EVENTS_PER_STATEMENT) break;
        if (this.holdsBack(run, now)) continue;
        this.dirty.delete(run);
        const events = this.take(run);
        run.lastWriteAt = now;
        size += events.length;
        if (events.length > 0) batch.push({ run, events });
      }
      if (batch.length === 0) return;
      await this.write(batch);
    }
  }

  /**
   * Whether a run's pending events wait for its chunk window: only chunks of text are pending and
   * its previous write was less than `STREAM_CHUNK_WINDOW_MS` ago. Anything else (a tool call, the
   * end) goes out at once, with the chunks before it.
   */
  private holdsBack(run: OwnedRun, now: number): boolean {
    return (
      this.chunkWindowMs > 0 &&
      now - run.lastWriteAt < this.chunkWindowMs &&
      run.pending.every((event) => event.type === 'message_chunk')
    );
  }

  /** Wakes the writer when the held-back runs' windows have passed. */
  private writeLater(): void {
    if (this.laterTimer) return;
    this.laterTimer = setTimeout(() => {
      this.laterTimer = undefined;
      this.kick();
    }, this.chunkWindowMs);
  }

  /**
   * Numbers a run's pending events for a write. With a chunk window, neighbouring chunks of text
   * become one event.
   */
  private take(run: OwnedRun): RunEvent[] {
    const events: RunEvent[] = [];
    let previous: UnnumberedRunEvent | undefined;
    for (const event of run.pending) {
      if (
        this.chunkWindowMs > 0 &&
        previous?.type === 'message_chunk' &&
        event.type === 'message_chunk'
      ) {
        const merged = events[events.length - 1] as RunEvent & { type: 'message_chunk' };
        merged.content += event.content;
        merged.tokens += event.tokens;
        continue;
      }
      events.push(numbered(event, run.runId, run.nextSeq++));
      previous = event;
    }
    run.pending = [];
    run.writing += events.length;
    return events;
  }

  private async write(batch: Batch): Promise<void> {
    for (let attempt = 0; batch.length > 0; attempt++) {
      try {
        const took = await this.store.append(
          this.ownerKey,
          batch.map(({ run, events }) => ({ runId: run.runId, events })),
        );
        for (const { run, events } of batch) {
          if (took.has(run.runId)) this.stored(run, events);
          else this.fail(run, new RunStorageError('closed_elsewhere', 'The run was closed.'));
        }
        return;
      } catch (error) {
        if (!isTransientDatabaseError(error)) {
          if (batch.length === 1) {
            this.fail(
              batch[0].run,
              new RunStorageError('rejected', 'Storing failed.', { cause: error }),
            );
            return;
          }
          // One statement per run, so that one bad run does not fail the others.
          await Promise.all(batch.map((entry) => this.write([entry])));
          return;
        }
        batch = this.withoutExpired(batch, error);
        if (batch.length > 0) await delay(backoffMs(attempt));
      }
    }
  }

  private withoutExpired(batch: Batch, error: unknown): Batch {
    const now = Date.now();
    if (batch.some(({ run }) => run.failingSince === undefined)) {
      this.logger.warn(`Storing run events failed; retrying: ${String(error)}`);
    }
    return batch.filter(({ run }) => {
      run.failingSince ??= now;
      if (!this.closing && now - run.failingSince < GIVE_UP_AFTER_MS) return true;
      this.fail(
        run,
        new RunStorageError('unavailable', 'The database is unavailable.', { cause: error }),
      );
      return false;
    });
  }

  private stored(run: OwnedRun, events: RunEvent[]): void {
    run.writing -= events.length;
    run.storedSeq = events[events.length - 1].seq;
    run.failingSince = undefined;
    this.publish(run.runId, events);
    this.settleFlushWaiters(run);
  }

  private fail(run: OwnedRun, failure: RunStorageError): void {
    if (!run.failure) {
      run.failure = failure;
      if (failure.kind !== 'closed_elsewhere') {
        this.logger.warn(`Run ${run.runId} stopped: ${failure.message} (${String(failure.cause)})`);
      }
      run.abort.abort(failure);
    }
    // What was numbered and not stored is forgotten: the terminal event takes the first free seq.
    run.nextSeq -= run.writing;
    run.pending = [];
    run.writing = 0;
    this.settleFlushWaiters(run);
  }

  /**
   * Stores the end, retrying while the database is away. When `ending` fails for another reason,
   * the run ends with a bare `storage_unavailable` error, which cannot fail for what it contains.
   * @returns the stored terminal event, or undefined when the run was closed elsewhere
   */
  private async storeEnd(
    run: OwnedRun,
    ending: () => RunEnding | Promise<RunEnding>,
  ): Promise<TerminalRunEvent | undefined> {
    let make = ending;
    for (let attempt = 0; ; attempt++) {
      try {
        const { terminal: unnumbered, alsoStore } = await make();
        const terminal = numbered(storableValue(unnumbered), run.runId, run.nextSeq);
        const ours = await this.store.end(this.ownerKey, terminal, alsoStore);
        return ours ? terminal : undefined;
      } catch (error) {
        if (!isTransientDatabaseError(error)) {
          if (make === storageFailed) {
            throw new RunStorageError('rejected', 'Storing failed.', { cause: error });
          }
          this.logger.error({ err: error, run_id: run.runId }, 'Could not store the end of a run');
          make = storageFailed;
          continue;
        }
        if (this.closing) {
          throw new RunStorageError('unavailable', 'The database is unavailable.', {
            cause: error,
          });
        }
        if (attempt === 0) this.logger.warn(`Storing the end of run ${run.runId} failed; retrying`);
        await delay(backoffMs(attempt));
      }
    }
  }

  /** The terminal event another instance stored for a run, or a stand-in if there is none. */
  private async storedTerminal(runId: string): Promise<TerminalRunEvent> {
    for await (const event of this.join(runId)) if (isTerminal(event)) return event;
    return { type: 'error', run_id: runId, seq: 0, ...RUN_ABANDONED };
  }
}

function storageFailed(): RunEnding {
  return {
    terminal: {
      type: 'error',
      code: 'storage_unavailable',
      message: 'The answer could not be stored; send the message again.',
      retryable: true,
    },
  };
}

/** The event with its run and seq; key order is what clients see: type, run_id, seq, payload. */
function numbered<E extends UnnumberedRunEvent>(
  event: E,
  runId: string,
  seq: number,
): Extract<RunEvent, { type: E['type'] }> {
  const head = { type: event.type, run_id: runId, seq };
  return Object.assign(head, event) as unknown as Extract<RunEvent, { type: E['type'] }>;
}

function backoffMs(attempt: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** attempt, RETRY_MAX_MS);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
