import { MAX_TIMER_DELAY_MS } from './breaker-settings';
import type { Clock } from './clock';

/**
 * Something that can wait in a {@link DeadlineQueue}. The links live on the entry itself so that
 * queueing and dequeueing allocate nothing.
 */
export class DeadlineEntry {
  /** Monotonic time at which the entry expires. */
  deadline = 0;
  /** @internal */
  previousEntry: DeadlineEntry | null = null;
  /** @internal */
  nextEntry: DeadlineEntry | null = null;
  /** @internal */
  queued = false;
}

/**
 * Expires entries at their deadlines with one timer for the whole queue instead of one per call.
 *
 * A breaker has a single call timeout and a monotonic clock, so entries arrive in deadline order:
 * adding is an append and removing is an unlink, both O(1). An out-of-order deadline is still
 * inserted in order (a short walk back from the tail). The timer is armed for the earliest deadline
 * and is not cleared when that entry leaves early: it fires once, finds nothing due and re-arms
 * for the new head. That costs at most one wake-up per timeout period, against a `setTimeout` +
 * `clearTimeout` pair on every call.
 */
export class DeadlineQueue<E extends DeadlineEntry> {
  private head: E | null = null;
  private tail: E | null = null;
  // Infinity means no timer is armed.
  private timerDueAt = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly onExpire: (entry: E) => void,
  ) {}

  /** True when no entry is waiting. */
  get isEmpty(): boolean {
    return this.head === null;
  }

  /** Queues `entry` to expire at `deadline` (monotonic ms). */
  add(entry: E, deadline: number): void {
    entry.deadline = deadline;
    entry.queued = true;
    let before = this.tail;
    while (before !== null && before.deadline > deadline) {
      before = before.previousEntry as E | null;
    }
    this.insertAfter(entry, before);
    if (deadline < this.timerDueAt) {
      this.arm(deadline);
    }
  }

  /** Takes `entry` out of the queue; a no-op if it is not queued. */
  remove(entry: E): void {
    if (!entry.queued) {
      return;
    }
    entry.queued = false;
    const { previousEntry, nextEntry } = entry;
    if (previousEntry === null) {
      this.head = nextEntry as E | null;
    } else {
      previousEntry.nextEntry = nextEntry;
    }
    if (nextEntry === null) {
      this.tail = previousEntry as E | null;
    } else {
      nextEntry.previousEntry = previousEntry;
    }
    entry.previousEntry = null;
    entry.nextEntry = null;
  }

  private insertAfter(entry: E, before: E | null): void {
    const after = before === null ? this.head : (before.nextEntry as E | null);
    entry.previousEntry = before;
    entry.nextEntry = after;
    if (before === null) {
      this.head = entry;
    } else {
      before.nextEntry = entry;
    }
    if (after === null) {
      this.tail = entry;
    } else {
      after.previousEntry = entry;
    }
  }

  private arm(dueAt: number): void {
    this.timerDueAt = dueAt;
    const delay = Math.min(Math.max(0, dueAt - this.clock.now()), MAX_TIMER_DELAY_MS);
    this.clock.setTimer(this.fire, delay);
  }

  // An arrow function so arming a timer does not bind a new closure each time.
  private readonly fire = (): void => {
    // This timer is spent. Should another be pending (only after an out-of-order add), it fires
    // later, finds nothing due, and does no harm.
    this.timerDueAt = Infinity;
    const now = this.clock.now();
    // Re-read the head each time: onExpire aborts the callee, whose abort handler may start a new
    // call synchronously; that call's deadline is in the future, so the loop still ends.
    let head = this.head;
    while (head !== null && head.deadline <= now) {
      this.remove(head);
      this.onExpire(head);
      head = this.head;
    }
    // A timer can fire a fraction of a millisecond before the deadline by the monotonic clock
    // (libuv rounds its loop time down): the head is then simply re-armed.
    if (head !== null && head.deadline < this.timerDueAt) {
      this.arm(head.deadline);
    }
  };
}
