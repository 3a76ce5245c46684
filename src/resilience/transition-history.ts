import type { BreakerState } from './breaker-state';

/** One change of a breaker's state, as recorded in its history and sent to listeners. */
export interface StateTransition {
  readonly from: BreakerState;
  readonly to: BreakerState;
  /** Wall-clock epoch milliseconds at which the change took effect. */
  readonly at: number;
  /** Why, in words an operator can read. */
  readonly reason: string;
}

/** The last `limit` transitions of a breaker, oldest first. */
export class TransitionHistory {
  private readonly entries: StateTransition[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`history limit must be an integer >= 1, got ${limit}`);
    }
  }

  /** Appends `transition`, dropping the oldest entry once the limit is reached. */
  record(transition: StateTransition): void {
    // Transitions are rare and the limit small, so shift() beats a ring buffer's bookkeeping.
    if (this.entries.length === this.limit) {
      this.entries.shift();
    }
    this.entries.push(transition);
  }

  /** A copy of the recorded transitions, oldest first. */
  toArray(): StateTransition[] {
    return this.entries.slice();
  }
}
