import { isTerminal, type RunEvent } from './run-event.types';
import type { StoredRunPage } from './run-event.store';

/** A reader of one run's events, from a seq to the run's end. */
export interface JoinedRun extends AsyncIterableIterator<RunEvent> {
  /**
   * Whether the event last yielded is part of a replay: it was stored before this reader joined, or
   * the run executes on another instance (its events are read from storage page by page). A writer
   * sends a replay no faster than its client takes it; live events are never waited for.
   */
  readonly replaying: boolean;
  /** Stops following. */
  return(): Promise<IteratorResult<RunEvent>>;
}

/** Events read from storage at once. */
const PAGE_SIZE = 500;
/**
 * Live events held for a reader that has not taken them yet; past this, they are dropped and read
 * back from storage at the reader's pace, so a slow reader costs a bounded amount of memory.
 */
const MAX_HELD = 512;
/** Pause before reading again after storage failed. */
const READ_RETRY_MS = 1000;

/**
 * Follows one run for one reader: reads what is stored after its position, then takes events as
 * they are stored (handed over in memory by the log when the run executes in this process) or
 * reads again when woken (PostgreSQL announced new events of a run executing elsewhere). Any gap
 * between what it holds and what it is given is filled from storage, so every event comes exactly
 * once and in order. Ends after the terminal event, or when the run is over or gone.
 */
export class RunJoin implements JoinedRun {
  replaying = false;
  /** Seq of the last event held or yielded. */
  private last: number;
  /** Seq of the last event yielded. */
  private yielded: number;
  private held: RunEvent[] = [];
  private readNeeded: boolean;
  private reading = false;
  private ended = false;
  private closed = false;
  private wakeUp?: () => void;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    readonly runId: string,
    afterSeq: number,
    /** The last seq that counts as a replay (see {@link JoinedRun.replaying}). */
    private readonly replayUntil: number,
    /** Whether storage may hold events after `afterSeq` already. */
    readFirst: boolean,
    private readonly storage: {
      readPage(runId: string, afterSeq: number, limit: number): Promise<StoredRunPage>;
    },
    private readonly onClose: () => void,
  ) {
    this.last = afterSeq;
    this.yielded = afterSeq;
    this.readNeeded = readFirst;
  }

  /** Events of this run, stored just now in this process, in seq order. */
  pushed(events: readonly RunEvent[]): void {
    if (this.ended || this.closed || events.length === 0) return;
    if (this.reading || events[0].seq > this.last + 1) {
      // Cannot tell how these join what is being read: read again afterwards.
      this.readNeeded = true;
    } else if (this.held.length + events.length > MAX_HELD) {
      this.held = [];
      this.last = this.yielded;
      this.readNeeded = true;
    } else {
      for (const event of events) if (event.seq > this.last) this.hold(event);
    }
    this.signal();
  }

  /** Something may have been stored (up to `seq`, when known): read again. */
  wake(seq?: number): void {
    if (this.ended || this.closed || (seq !== undefined && seq <= this.last)) return;
    this.readNeeded = true;
    this.signal();
  }

  async next(): Promise<IteratorResult<RunEvent>> {
    for (;;) {
      if (this.closed) return { value: undefined, done: true };
      const next = this.held.shift();
      if (next) {
        this.replaying = next.seq <= this.replayUntil;
        this.yielded = next.seq;
        return { value: next, done: false };
      }
      if (this.ended) return this.return();
      if (this.readNeeded && !this.reading) await this.read();
      else await new Promise<void>((resolve) => (this.wakeUp = resolve));
    }
  }

  /** Stops following. */
  return(): Promise<IteratorResult<RunEvent>> {
    if (!this.closed) {
      this.closed = true;
      this.held = [];
      clearTimeout(this.retryTimer);
      this.signal();
      this.onClose();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private hold(event: RunEvent): void {
    this.held.push(event);
    this.last = event.seq;
    if (isTerminal(event)) this.ended = true;
  }

  private async read(): Promise<void> {
    this.readNeeded = false;
    this.reading = true;
    try {
      const page = await this.storage.readPage(this.runId, this.last, PAGE_SIZE);
      if (this.closed) return;
      for (const event of page.events) {
        if (event.seq === this.last + 1 && !this.ended) this.hold(event);
      }
      if (page.events.length === PAGE_SIZE) this.readNeeded = true;
      // Over, and everything after our position read: nothing more will come.
      else if (!page.running) this.ended = true;
    } catch {
      // Storage is away: try again in a while (or sooner, when woken).
      this.retryTimer = setTimeout(() => this.wake(), READ_RETRY_MS);
    } finally {
      this.reading = false;
    }
  }

  private signal(): void {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }
}
