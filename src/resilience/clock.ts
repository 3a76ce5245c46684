/** Opaque handle returned by {@link Clock.setTimer}. */
export type TimerHandle = unknown;

/**
 * The breaker's only source of time, injectable so tests can move time by hand.
 * Deadlines and durations use the monotonic `now()`, so a wall-clock step cannot fire timeouts
 * early or stretch an open period; `wallNow()` is only for timestamps shown to people.
 */
export interface Clock {
  /** Monotonic milliseconds, possibly fractional; only differences are meaningful. */
  now(): number;
  /** Milliseconds since the Unix epoch. */
  wallNow(): number;
  /** Runs `callback` once after `delayMs`; the timer must not keep the process alive. */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
}

/** The real clock: `performance.now()`, `Date.now()` and an unref'd `setTimeout`. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  // Unref'd: the pending call's own I/O keeps the process alive, the watchdog must not.
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs).unref(),
};

/** Converts a monotonic instant to wall-clock epoch milliseconds, as of now. */
export function toWallTime(clock: Clock, monotonicMs: number): number {
  return clock.wallNow() + (monotonicMs - clock.now());
}
