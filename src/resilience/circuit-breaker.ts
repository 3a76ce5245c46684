import { Logger } from '@nestjs/common';
import {
  ConsecutiveBreaker,
  ExponentialBackoff,
  noJitterGenerator,
  type IBackoff,
} from 'cockatiel';
import { resolveBreakerSettings, type BreakerSettings } from './breaker-settings';
import type { BreakerState, CallOutcome } from './breaker-state';
import { CallTimeoutError } from './call-timeout.error';
import { CircuitOpenError } from './circuit-open.error';
import type { CircuitBreakerSnapshot } from './circuit-breaker-snapshot';
import { systemClock, toWallTime, type Clock } from './clock';
import { DeadlineEntry, DeadlineQueue } from './deadline-queue';
import { classifyError, type ErrorClassifier } from './error-classifier';
import { TransitionHistory, type StateTransition } from './transition-history';

/** The work a breaker guards. It receives a signal that aborts when the call times out. */
export type Callee<T> = (signal: AbortSignal) => PromiseLike<T> | T;

/** Per-call options of {@link CircuitBreaker.execute}. */
export interface ExecuteOptions {
  /**
   * The caller's own cancellation (e.g. the client went away). When it aborts, the call is rejected
   * at once with its reason, the callee's signal aborts too, and the outcome is `ignored`. A signal
   * already aborted rejects with its reason before the breaker counts anything.
   */
  readonly signal?: AbortSignal;
}

/** Everything needed to build one {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  readonly name: string;
  /** Overrides of the defaults for `name`; validated on construction. */
  readonly settings?: Partial<BreakerSettings>;
  /** Replaces {@link classifyError} for this breaker. */
  readonly classifyError?: ErrorClassifier;
  /** Injectable time source; tests pass a ManualClock. */
  readonly clock?: Clock;
  /** How many transitions the history keeps. Default 50. */
  readonly historyLimit?: number;
}

/** Listener for state changes; see {@link CircuitBreaker.onStateChange}. */
export type StateChangeListener = (transition: StateTransition) => void;

/** Listener for call outcomes; see {@link CircuitBreaker.onCallOutcome}. */
export type CallOutcomeListener = (outcome: CallOutcome, durationMs: number) => void;

/** Function that removes a listener. */
export type Unsubscribe = () => void;

const DEFAULT_HISTORY_LIMIT = 50;
// Retry-After is sent in whole seconds, and a trial call can settle at any moment: one second is
// the smallest useful hint for a caller turned away while trial calls are in flight.
const HALF_OPEN_RETRY_AFTER_MS = 1_000;
// Given to callees that declare no parameter (see execute()): they cannot read it anyway.
const NEVER_ABORTED_SIGNAL = new AbortController().signal;
const logger = new Logger('CircuitBreaker');

interface CallCounters {
  total: number;
  successful: number;
  failed: number;
  rejected: number;
  timeouts: number;
}

const zeroCounters = (): CallCounters => ({
  total: 0,
  successful: 0,
  failed: 0,
  rejected: 0,
  timeouts: 0,
});

/** One admitted call, waiting in the deadline queue until it settles or expires. */
class InflightCall extends DeadlineEntry {
  settled = false;
  controller: AbortController | null = null;
  detachParent: (() => void) | null = null;
  resolve!: (value: unknown) => void;
  reject!: (reason: unknown) => void;

  constructor(
    /** Transitions seen by the breaker when the call was admitted; a stale call changes no state. */
    readonly epoch: number,
    /** Resets seen when the call was admitted; a call from before a reset changes no counter. */
    readonly generation: number,
    readonly startedAt: number,
  ) {
    super();
  }
}

/**
 * A circuit breaker with states CLOSED, OPEN and HALF_OPEN, a hard per-call timeout and metrics.
 *
 * Why not cockatiel's `CircuitBreakerPolicy` (3.2.1) itself: its half-open admits one trial and
 * closes on the first success (we need `successThreshold`), makes extra callers wait instead of
 * rejecting them, treats an error it does not handle as a success that closes the circuit (4xx must
 * be neutral), has no reset (isolate/dispose keeps the failure count), fires no event for rejected
 * calls, and reads `Date.now()` directly. Patching all of that from outside would leave little of
 * it, so the state machine is ours and cockatiel supplies the parts that fit as they are:
 * `ConsecutiveBreaker` counts the failure streak, `ExponentialBackoff` with `noJitterGenerator` gives
 * the exact open periods (60 s, 120 s, 240 s, then the cap), and the errors extend cockatiel's
 * (`isBrokenCircuitError()` recognises a refusal; its `isTaskCancelledError()` is broken in 3.2.1,
 * so a timeout is recognised with `instanceof`). Cockatiel's `timeout()` is not used: it costs an
 * AbortController, a timer, two abort listeners and a Promise.race on every call; see
 * {@link DeadlineQueue} for the replacement, which still rejects a callee that ignores its signal.
 *
 * OPEN becomes HALF_OPEN lazily, when the breaker is next touched (a call, `state`, `snapshot()`),
 * with the transition dated at the moment the open period ended; `state` never reports OPEN once
 * a trial would be admitted, so an operator sees HALF_OPEN, not an OPEN with a retry time in the past.
 */
export class CircuitBreaker {
  /** The breaker's name, e.g. `llm`. */
  readonly name: string;
  /** The validated settings in force. */
  readonly settings: Readonly<BreakerSettings>;

  private readonly clock: Clock;
  private classify: ErrorClassifier;
  private readonly history: TransitionHistory;
  private readonly deadlines: DeadlineQueue<InflightCall>;
  private readonly failureStreak: ConsecutiveBreaker;
  private readonly backoffFactory: ExponentialBackoff<number>;
  // Set while OPEN or HALF_OPEN: the open period in force, whose next() doubles it up to the cap.
  private backoff: IBackoff<unknown> | undefined;

  private currentState: BreakerState = 'CLOSED';
  private isolated = false;
  private openUntil = 0;
  private trialsInFlight = 0;
  private trialSuccesses = 0;
  private epoch = 0;
  private generation = 0;
  private counters = zeroCounters();
  private lastFailureAt: number | null = null;
  // Replaced, never mutated, so a listener may unsubscribe while listeners are being called.
  private stateListeners: readonly StateChangeListener[] = [];
  private outcomeListeners: readonly CallOutcomeListener[] = [];

  constructor(options: CircuitBreakerOptions) {
    this.name = options.name;
    this.settings = Object.freeze(resolveBreakerSettings(options.name, options.settings));
    this.clock = options.clock ?? systemClock;
    this.classify = options.classifyError ?? classifyError;
    this.history = new TransitionHistory(options.historyLimit ?? DEFAULT_HISTORY_LIMIT);
    this.deadlines = new DeadlineQueue(this.clock, (call) => this.expire(call));
    this.failureStreak = new ConsecutiveBreaker(this.settings.failureThreshold);
    this.backoffFactory = new ExponentialBackoff({
      generator: noJitterGenerator,
      initialDelay: this.settings.recoveryTimeoutMs,
      maxDelay: this.settings.maxRecoveryTimeoutMs,
    });
  }

  /** How this breaker counts errors (see {@link useClassifier}). */
  get classifier(): ErrorClassifier {
    return this.classify;
  }

  /** Replaces how this breaker counts errors (see {@link ErrorClassifier}). */
  useClassifier(classifier: ErrorClassifier): void {
    this.classify = classifier;
  }

  /** The current state; HALF_OPEN as soon as the open period has elapsed (see the class notes). */
  get state(): BreakerState {
    this.refresh(this.clock.now());
    return this.currentState;
  }

  /** True while held open by {@link isolate}. */
  get isIsolated(): boolean {
    return this.isolated;
  }

  /** The open period in force (in HALF_OPEN, the one that just ended); the base when CLOSED. */
  get currentRecoveryTimeoutMs(): number {
    return this.backoff?.duration ?? this.settings.recoveryTimeoutMs;
  }

  /**
   * Runs `fn` through the breaker.
   *
   * - Refused calls reject with {@link CircuitOpenError}; `fn` is not called.
   * - After `callTimeoutMs` the call rejects with {@link CallTimeoutError} and `fn`'s signal aborts
   *   with that error, whether or not `fn` listens to the signal.
   * - Otherwise the call settles as `fn` does; errors pass through unchanged.
   *
   * The signal is not aborted when `fn` settles: callers may return a stream (an HTTP response
   * body, a model's token iterator) that keeps using it, and aborting on return would kill it. The
   * timeout therefore covers the call up to its return, not the consumption of a returned stream;
   * a stream needs its own idle timeout. Wrap each model call, never a whole SSE stream.
   *
   * A callee that declares no parameter (`fn.length === 0`) gets a shared signal that never aborts
   * instead of its own AbortController: constructing an AbortSignal costs more than the rest of the
   * breaker together, and such a callee cannot read the signal anyway. It is still timed
   * out. A wrapper with rest parameters (`(...args) => f(...args)`) also has length 0, so declare
   * the signal parameter explicitly when forwarding it.
   */
  execute<T>(fn: Callee<T>, options?: ExecuteOptions): Promise<T> {
    const parentSignal = options?.signal;
    if (parentSignal?.aborted) {
      return Promise.reject(parentSignal.reason as Error);
    }
    const now = this.clock.now();
    this.counters.total++;
    if (this.currentState !== 'CLOSED') {
      const refusal = this.admitTrial(now);
      if (refusal !== undefined) {
        return this.refuse(refusal);
      }
    }
    return this.run(fn, now, parentSignal);
  }

  /**
   * Counts a call its caller did not make because the circuit is open (it read {@link state} and
   * took a fallback instead of calling {@link execute}): a refusal like any other in the metrics.
   */
  countRejection(): void {
    this.counters.total++;
    this.counters.rejected++;
    this.emitOutcome('rejected', 0);
  }

  /** Current state, settings, metrics and history in the contract's JSON shape. */
  snapshot(): CircuitBreakerSnapshot {
    const state = this.state;
    const { settings, counters } = this;
    return {
      name: this.name,
      state,
      config: {
        failure_threshold: settings.failureThreshold,
        recovery_timeout_ms: settings.recoveryTimeoutMs,
        max_recovery_timeout_ms: settings.maxRecoveryTimeoutMs,
        success_threshold: settings.successThreshold,
        call_timeout_ms: settings.callTimeoutMs,
      },
      current_recovery_timeout_ms: this.currentRecoveryTimeoutMs,
      next_attempt_at: isoOrNull(this.nextAttemptAt()),
      metrics: {
        total_calls: counters.total,
        successful_calls: counters.successful,
        failed_calls: counters.failed,
        rejected_calls: counters.rejected,
        timeouts: counters.timeouts,
      },
      last_failure_at: isoOrNull(this.lastFailureAt),
      history: this.history.toArray().map((t) => ({
        from: t.from,
        to: t.to,
        at: new Date(t.at).toISOString(),
        reason: t.reason,
      })),
    };
  }

  /** Wall-clock epoch ms at which an OPEN breaker admits a trial; null otherwise. */
  nextAttemptAt(): number | null {
    const now = this.clock.now();
    this.refresh(now);
    if (this.currentState !== 'OPEN' || this.isolated) {
      return null;
    }
    return toWallTime(this.clock, this.openUntil);
  }

  /**
   * Closes the circuit and starts afresh: zeroes the failure streak (which cockatiel's
   * isolate/dispose would keep), the trial count, the metrics and the last failure time, returns
   * the recovery timeout to its base and ends an isolation. The history is kept and records the
   * reset. Calls still in flight are still timed out but no longer count.
   */
  reset(): void {
    this.isolated = false;
    this.backoff = undefined;
    this.failureStreak.success();
    this.counters = zeroCounters();
    this.lastFailureAt = null;
    this.generation++;
    this.transition('CLOSED', 'reset by operator', this.clock.now());
  }

  /**
   * An out-of-band check (a readiness ping) found the dependency answering: it counts as one
   * successful trial call. An OPEN circuit ends its open period now and turns HALF_OPEN (or
   * CLOSED when one success is enough); a HALF_OPEN one is one success nearer to closing. Without
   * this, every replica would stay unready and refuse calls until its open period (a minute or
   * more) ran out, long after the dependency came back. A failed check is simply not reported:
   * probes never open a circuit nor lengthen its open period. CLOSED or isolated: nothing changes.
   */
  recordProbeSuccess(): void {
    const now = this.clock.now();
    this.refresh(now);
    if (this.isolated || this.currentState === 'CLOSED') {
      return;
    }
    if (this.currentState === 'OPEN') {
      this.transition('HALF_OPEN', 'health probe succeeded', now);
    }
    this.trialSuccesses++;
    if (this.trialSuccesses >= this.settings.successThreshold) {
      this.close(`${this.trialSuccesses} trials succeeded (health probes included)`, now);
    }
  }

  /**
   * Holds the circuit OPEN until {@link reset}: every call is refused and no trial is admitted.
   * Unlike cockatiel's reference-counted isolate(), one reset ends it however often it was called.
   */
  isolate(): void {
    this.isolated = true;
    this.transition('OPEN', 'isolated by operator', this.clock.now());
  }

  /**
   * Calls `listener` on every state change, including an operator's reset or isolation (which are
   * recorded even when the state stays the same). The lazy OPEN -> HALF_OPEN change is reported
   * when the breaker is next touched; a metrics exporter should read `state` at scrape time.
   */
  onStateChange(listener: StateChangeListener): Unsubscribe {
    this.stateListeners = [...this.stateListeners, listener];
    return () => {
      this.stateListeners = this.stateListeners.filter((l) => l !== listener);
    };
  }

  /**
   * Calls `listener` once per call with its outcome and duration in ms (0 for `rejected`). Every
   * call reports, including those from before a reset, so counters fed from here only grow.
   */
  onCallOutcome(listener: CallOutcomeListener): Unsubscribe {
    this.outcomeListeners = [...this.outcomeListeners, listener];
    return () => {
      this.outcomeListeners = this.outcomeListeners.filter((l) => l !== listener);
    };
  }

  private run<T>(fn: Callee<T>, now: number, parentSignal: AbortSignal | undefined): Promise<T> {
    const call = new InflightCall(this.epoch, this.generation, now);
    const promise = new Promise<T>((resolve, reject) => {
      call.resolve = resolve as (value: unknown) => void;
      call.reject = reject;
    });
    const signal =
      fn.length === 0 ? NEVER_ABORTED_SIGNAL : (call.controller = new AbortController()).signal;
    this.deadlines.add(call, now + this.settings.callTimeoutMs);
    if (parentSignal !== undefined) {
      this.followParent(call, parentSignal);
    }
    try {
      const result = fn(signal);
      if (isPromiseLike(result)) {
        result.then(
          (value) => this.settleWithValue(call, value),
          (error: unknown) => this.settleWithError(call, error),
        );
      } else {
        this.settleWithValue(call, result);
      }
    } catch (error) {
      this.settleWithError(call, error);
    }
    return promise;
  }

  private admitTrial(now: number): CircuitOpenError | undefined {
    this.refresh(now);
    if (this.currentState === 'OPEN') {
      return this.isolated
        ? new CircuitOpenError(this.name, this.currentRecoveryTimeoutMs, 'isolated')
        : new CircuitOpenError(this.name, Math.ceil(this.openUntil - now), 'open');
    }
    // Never more trials in flight than successes still needed: a sick dependency gets the least
    // load, and callers beyond that are refused at once rather than queued behind the trial.
    if (this.trialsInFlight < this.settings.successThreshold - this.trialSuccesses) {
      this.trialsInFlight++;
      return undefined;
    }
    return new CircuitOpenError(this.name, HALF_OPEN_RETRY_AFTER_MS, 'half_open_busy');
  }

  private refuse(error: CircuitOpenError): Promise<never> {
    // Counted here because cockatiel emits nothing for a refused call.
    this.counters.rejected++;
    this.emitOutcome('rejected', 0);
    return Promise.reject(error);
  }

  private followParent(call: InflightCall, parentSignal: AbortSignal): void {
    const onAbort = (): void => this.cancel(call, parentSignal.reason);
    parentSignal.addEventListener('abort', onAbort, { once: true });
    call.detachParent = () => parentSignal.removeEventListener('abort', onAbort);
  }

  private finish(call: InflightCall): void {
    call.settled = true;
    this.deadlines.remove(call);
    call.detachParent?.();
  }

  private settleWithValue(call: InflightCall, value: unknown): void {
    if (call.settled) {
      return; // already timed out or cancelled; the caller has its answer
    }
    this.finish(call);
    this.record(call, 'success');
    call.resolve(value);
  }

  private settleWithError(call: InflightCall, error: unknown): void {
    if (call.settled) {
      return;
    }
    this.finish(call);
    this.record(call, this.outcomeOf(error));
    call.reject(error);
  }

  private expire(call: InflightCall): void {
    // The deadline queue has already dequeued it.
    call.settled = true;
    call.detachParent?.();
    this.record(call, 'timeout');
    const error = new CallTimeoutError(this.name, this.settings.callTimeoutMs);
    call.reject(error);
    call.controller?.abort(error);
  }

  private cancel(call: InflightCall, reason: unknown): void {
    if (call.settled) {
      return;
    }
    this.finish(call);
    this.record(call, 'ignored');
    call.reject(reason);
    call.controller?.abort(reason);
  }

  private outcomeOf(error: unknown): Exclude<CallOutcome, 'success' | 'rejected'> {
    let verdict;
    try {
      verdict = this.classify(error);
    } catch (classifierError) {
      // Counting the error protects the dependency; the broken classifier still gets noticed.
      logger.error(`error classifier of breaker "${this.name}" threw`, classifierError);
      return 'failure';
    }
    return verdict;
  }

  private record(call: InflightCall, outcome: Exclude<CallOutcome, 'rejected'>): void {
    const counted = call.generation === this.generation;
    // A call admitted before the latest transition (or reset) reports, but changes no state.
    const current = call.epoch === this.epoch;
    switch (outcome) {
      case 'success':
        if (counted) {
          this.counters.successful++;
        }
        if (current) {
          this.recordSuccess();
        }
        break;
      case 'failure':
      case 'timeout': {
        const now = this.clock.now();
        if (counted) {
          if (outcome === 'timeout') {
            this.counters.timeouts++;
          } else {
            this.counters.failed++;
          }
          this.lastFailureAt = this.clock.wallNow();
        }
        if (current) {
          this.recordFailure(now, outcome);
        }
        break;
      }
      case 'ignored':
        // Neither success nor failure; in HALF_OPEN it only frees its trial slot.
        if (current && this.currentState === 'HALF_OPEN') {
          this.trialsInFlight--;
        }
        break;
    }
    if (this.outcomeListeners.length > 0) {
      this.emitOutcome(outcome, this.clock.now() - call.startedAt);
    }
  }

  // Only calls of the current epoch get here, so the state is CLOSED or HALF_OPEN: entering
  // OPEN starts a new epoch and OPEN admits nothing.
  private recordSuccess(): void {
    if (this.currentState !== 'HALF_OPEN') {
      this.failureStreak.success();
      return;
    }
    this.trialsInFlight--;
    this.trialSuccesses++;
    if (this.trialSuccesses >= this.settings.successThreshold) {
      this.close(`${this.trialSuccesses} trial calls succeeded`, this.clock.now());
    }
  }

  private close(reason: string, now: number): void {
    this.backoff = undefined;
    this.failureStreak.success(); // ConsecutiveBreaker has no reset; success() zeroes the streak
    this.transition('CLOSED', reason, now);
  }

  private recordFailure(now: number, outcome: 'failure' | 'timeout'): void {
    if (this.currentState === 'HALF_OPEN') {
      this.open(now, outcome === 'timeout' ? 'trial call timed out' : 'trial call failed');
    } else if (this.failureStreak.failure()) {
      this.open(now, `${this.settings.failureThreshold} consecutive failures`);
    }
  }

  private open(now: number, reason: string): void {
    // The first open takes the base period; each re-open from HALF_OPEN doubles it up to the cap.
    this.backoff =
      this.backoff === undefined ? this.backoffFactory.next() : this.backoff.next(undefined);
    this.openUntil = now + this.backoff.duration;
    this.transition('OPEN', reason, now);
  }

  // Materialises the lazy OPEN -> HALF_OPEN change, dated when the open period ended.
  private refresh(now: number): void {
    if (this.currentState === 'OPEN' && !this.isolated && now >= this.openUntil) {
      this.transition('HALF_OPEN', 'recovery timeout elapsed', this.openUntil);
    }
  }

  private transition(to: BreakerState, reason: string, at: number): void {
    const from = this.currentState;
    this.currentState = to;
    this.epoch++;
    this.trialsInFlight = 0;
    this.trialSuccesses = 0;
    const transition: StateTransition = { from, to, at: toWallTime(this.clock, at), reason };
    this.history.record(transition);
    for (const listener of this.stateListeners) {
      try {
        listener(transition);
      } catch (error) {
        // A metrics hook must never change what happens to a call.
        logger.error(`state listener of breaker "${this.name}" threw`, error);
      }
    }
  }

  private emitOutcome(outcome: CallOutcome, durationMs: number): void {
    for (const listener of this.outcomeListeners) {
      try {
        listener(outcome, durationMs);
      } catch (error) {
        logger.error(`outcome listener of breaker "${this.name}" threw`, error);
      }
    }
  }
}

function isPromiseLike<T>(value: PromiseLike<T> | T): value is PromiseLike<T> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function isoOrNull(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}
