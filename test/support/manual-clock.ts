import type { Clock, TimerHandle } from '../../src/resilience/clock';

interface ManualTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly callback: () => void;
}

/**
 * A {@link Clock} that moves only when told to, for fast, deterministic tests of breakers.
 * Monotonic time starts at 0; wall time is `wallOrigin` plus that.
 */
export class ManualClock implements Clock {
  private monotonic = 0;
  private nextId = 1;
  private timers: ManualTimer[] = [];
  /** How many timers have been set, to check that calls do not each arm one. */
  timersSet = 0;

  constructor(readonly wallOrigin = Date.parse('2025-01-01T00:00:00.000Z')) {}

  /** @inheritdoc */
  now(): number {
    return this.monotonic;
  }

  /** @inheritdoc */
  wallNow(): number {
    return this.wallOrigin + this.monotonic;
  }

  /** @inheritdoc */
  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.nextId++, dueAt: this.monotonic + delayMs, callback };
    this.timers.push(timer);
    this.timersSet++;
    return timer.id;
  }

  /** Timers set and not yet fired. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing due timers in order, each at its own due time. */
  advance(ms: number): void {
    const target = this.monotonic + ms;
    for (let timer = this.nextDue(target); timer; timer = this.nextDue(target)) {
      this.timers = this.timers.filter((t) => t !== timer);
      this.monotonic = Math.max(this.monotonic, timer.dueAt);
      timer.callback();
    }
    this.monotonic = target;
  }

  private nextDue(limit: number): ManualTimer | undefined {
    let earliest: ManualTimer | undefined;
    for (const timer of this.timers) {
      if (timer.dueAt <= limit && (!earliest || timer.dueAt < earliest.dueAt)) {
        earliest = timer;
      }
    }
    return earliest;
  }
}

/** Lets every pending promise callback run. */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
