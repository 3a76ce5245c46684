import { Logger } from '@nestjs/common';
import { isBrokenCircuitError, TaskCancelledError } from 'cockatiel';
import type { BreakerSettings } from './breaker-settings';
import type { CallOutcome } from './breaker-state';
import { CallTimeoutError } from './call-timeout.error';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker';
import { CircuitOpenError } from './circuit-open.error';
import type { StateTransition } from './transition-history';
import { flushPromises, ManualClock } from '../../test/support/manual-clock';

const serverError = (): Error => Object.assign(new Error('upstream 503'), { status: 503 });
const badRequest = (): Error => Object.assign(new Error('bad request'), { status: 400 });
const iso = (clock: ManualClock, monotonicMs: number): string =>
  new Date(clock.wallOrigin + monotonicMs).toISOString();

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('CircuitBreaker', () => {
  let clock: ManualClock;

  beforeEach(() => {
    clock = new ManualClock();
  });

  function breaker(
    settings: Partial<BreakerSettings> = {},
    options: Partial<CircuitBreakerOptions> = {},
  ): CircuitBreaker {
    return new CircuitBreaker({
      name: 'test',
      clock,
      settings: { callTimeoutMs: 1_000, ...settings },
      ...options,
    });
  }

  async function fail(b: CircuitBreaker, times = 1, error = serverError): Promise<void> {
    for (let i = 0; i < times; i++) {
      await expect(b.execute(() => Promise.reject(error()))).rejects.toBeInstanceOf(Error);
    }
  }

  async function succeed(b: CircuitBreaker, times = 1): Promise<void> {
    for (let i = 0; i < times; i++) {
      await expect(b.execute(() => Promise.resolve('ok'))).resolves.toBe('ok');
    }
  }

  async function openAndWait(b: CircuitBreaker): Promise<void> {
    await fail(b, b.settings.failureThreshold);
    clock.advance(b.currentRecoveryTimeoutMs);
  }

  describe('when closed', () => {
    it('returns the callee value and passes its errors through unchanged', async () => {
      const b = breaker();
      const error = serverError();

      await expect(b.execute(() => Promise.resolve(42))).resolves.toBe(42);
      await expect(b.execute(() => Promise.reject(error))).rejects.toBe(error);
    });

    it('accepts a callee that returns a plain value or throws synchronously', async () => {
      const b = breaker();
      const error = badRequest();

      await expect(b.execute(() => 'plain')).resolves.toBe('plain');
      await expect(
        b.execute(() => {
          throw error;
        }),
      ).rejects.toBe(error);
      expect(b.snapshot().metrics).toMatchObject({ total_calls: 2, successful_calls: 1 });
    });

    it('opens after failureThreshold consecutive failures and refuses calls without running them', async () => {
      const b = breaker({ failureThreshold: 3 });
      await fail(b, 2);
      expect(b.state).toBe('CLOSED');

      await fail(b);
      expect(b.state).toBe('OPEN');

      const callee = jest.fn(() => Promise.resolve('never'));
      const refusal = await b.execute(callee).catch((error: unknown) => error);
      expect(callee).not.toHaveBeenCalled();
      expect(refusal).toBeInstanceOf(CircuitOpenError);
      expect(refusal).toMatchObject({ breakerName: 'test', retryAfterMs: 60_000, reason: 'open' });
      expect(isBrokenCircuitError(refusal)).toBe(true);
      expect(b.snapshot().metrics).toEqual({
        total_calls: 4,
        successful_calls: 0,
        failed_calls: 3,
        rejected_calls: 1,
        timeouts: 0,
      });
    });

    it('counts down retryAfterMs while open', async () => {
      const b = breaker();
      await fail(b, 5);
      clock.advance(45_000.4);

      await expect(b.execute(() => Promise.resolve(1))).rejects.toMatchObject({
        retryAfterMs: 15_000,
      });
    });

    it('restarts the failure count after a success', async () => {
      const b = breaker({ failureThreshold: 3 });
      await fail(b, 2);
      await succeed(b);
      await fail(b, 2);

      expect(b.state).toBe('CLOSED');
    });

    it('lets ignored errors (4xx) neither count nor break the failure streak', async () => {
      const b = breaker({ failureThreshold: 3 });
      await fail(b, 10, badRequest);
      expect(b.state).toBe('CLOSED');

      await fail(b, 2);
      await fail(b, 1, badRequest);
      await fail(b, 1);
      expect(b.state).toBe('OPEN');
      expect(b.snapshot().metrics).toMatchObject({ total_calls: 14, failed_calls: 3 });
    });

    it('counts timeouts the callee reports under timeouts, and towards opening', async () => {
      const b = breaker({ failureThreshold: 2 });
      const timedOut = (): Error => Object.assign(new Error('connect'), { code: 'ETIMEDOUT' });
      await fail(b, 2, timedOut);

      expect(b.state).toBe('OPEN');
      expect(b.snapshot().metrics).toMatchObject({ failed_calls: 0, timeouts: 2 });
    });
  });

  describe('recovery timeout', () => {
    it('grows 60 s, 120 s, 240 s, then stays at the 300 s cap on each re-open', async () => {
      const b = breaker();
      await fail(b, 5);
      const periods: number[] = [];
      for (let i = 0; i < 5; i++) {
        const period = b.currentRecoveryTimeoutMs;
        periods.push(period);
        clock.advance(period - 1);
        expect(b.state).toBe('OPEN');
        clock.advance(1);
        expect(b.state).toBe('HALF_OPEN');
        await fail(b);
        expect(b.state).toBe('OPEN');
      }

      expect(periods).toEqual([60_000, 120_000, 240_000, 300_000, 300_000]);
    });

    it('returns to the base period after a full close', async () => {
      const b = breaker();
      await openAndWait(b);
      await fail(b);
      expect(b.currentRecoveryTimeoutMs).toBe(120_000);
      clock.advance(120_000);
      await succeed(b, 2);
      expect(b.state).toBe('CLOSED');
      expect(b.currentRecoveryTimeoutMs).toBe(60_000);

      await fail(b, 5);
      expect(b.snapshot().current_recovery_timeout_ms).toBe(60_000);
    });

    it('follows non-default settings exactly', async () => {
      const b = breaker({ recoveryTimeoutMs: 1_000, maxRecoveryTimeoutMs: 3_000 });
      await fail(b, 5);
      const periods = [b.currentRecoveryTimeoutMs];
      for (let i = 0; i < 3; i++) {
        clock.advance(b.currentRecoveryTimeoutMs);
        await fail(b);
        periods.push(b.currentRecoveryTimeoutMs);
      }

      expect(periods).toEqual([1_000, 2_000, 3_000, 3_000]);
    });
  });

  describe('when half-open', () => {
    it('reports HALF_OPEN once the open period has elapsed, dated when it ended', async () => {
      const b = breaker();
      clock.advance(10);
      await fail(b, 5);
      expect(b.snapshot()).toMatchObject({
        state: 'OPEN',
        next_attempt_at: iso(clock, 60_010),
      });

      clock.advance(65_000);
      const snapshot = b.snapshot();

      expect(snapshot.state).toBe('HALF_OPEN');
      expect(snapshot.next_attempt_at).toBeNull();
      expect(snapshot.history.at(-1)).toEqual({
        from: 'OPEN',
        to: 'HALF_OPEN',
        at: iso(clock, 60_010),
        reason: 'recovery timeout elapsed',
      });
    });

    it('closes only after successThreshold successful trials', async () => {
      const b = breaker({ successThreshold: 3 });
      await openAndWait(b);

      await succeed(b, 2);
      expect(b.state).toBe('HALF_OPEN');
      await succeed(b);
      expect(b.state).toBe('CLOSED');
      expect(b.snapshot().history.at(-1)).toMatchObject({
        from: 'HALF_OPEN',
        to: 'CLOSED',
        reason: '3 trial calls succeeded',
      });
    });

    it('re-opens on a failed trial', async () => {
      const b = breaker();
      await openAndWait(b);
      await succeed(b);

      await fail(b);

      expect(b.state).toBe('OPEN');
      expect(b.snapshot().history.at(-1)).toMatchObject({ reason: 'trial call failed' });
    });

    it('re-opens on a timed-out trial', async () => {
      const b = breaker();
      await openAndWait(b);
      const trial = b.execute(() => new Promise(() => undefined));

      clock.advance(1_000);

      await expect(trial).rejects.toBeInstanceOf(CallTimeoutError);
      expect(b.state).toBe('OPEN');
      expect(b.snapshot().history.at(-1)).toMatchObject({ reason: 'trial call timed out' });
    });

    it('treats an ignored error as neither success nor failure and frees its trial slot', async () => {
      const b = breaker({ successThreshold: 1 });
      await openAndWait(b);

      await fail(b, 3, badRequest);
      expect(b.state).toBe('HALF_OPEN');

      await succeed(b);
      expect(b.state).toBe('CLOSED');
    });

    it('admits only as many concurrent trials as successes still needed and refuses the rest at once', async () => {
      const b = breaker({ successThreshold: 2 });
      await openAndWait(b);
      const first = deferred<string>();
      const second = deferred<string>();
      const trialOne = b.execute(() => first.promise);
      const trialTwo = b.execute(() => second.promise);

      const extra = jest.fn(() => Promise.resolve('extra'));
      await expect(b.execute(extra)).rejects.toMatchObject({
        reason: 'half_open_busy',
        retryAfterMs: 1_000,
      });
      expect(extra).not.toHaveBeenCalled();

      first.resolve('one');
      await expect(trialOne).resolves.toBe('one');
      // One success still needed and one trial in flight: no room for another.
      await expect(b.execute(extra)).rejects.toBeInstanceOf(CircuitOpenError);

      second.resolve('two');
      await expect(trialTwo).resolves.toBe('two');
      expect(b.state).toBe('CLOSED');
      await expect(b.execute(extra)).resolves.toBe('extra');
    });

    it('lets late outcomes of calls admitted before a transition change no state', async () => {
      const b = breaker({ failureThreshold: 2 });
      const slow = deferred<string>();
      const slowCall = b.execute(() => slow.promise);
      await fail(b, 2);
      expect(b.state).toBe('OPEN');

      slow.resolve('late');
      await expect(slowCall).resolves.toBe('late');
      expect(b.state).toBe('OPEN');
      expect(b.snapshot().metrics.successful_calls).toBe(1);

      clock.advance(60_000);
      const lateTrial = deferred<string>();
      const lateTrialCall = b.execute(() => lateTrial.promise);
      await fail(b);
      expect(b.state).toBe('OPEN');
      lateTrial.reject(serverError());
      await expect(lateTrialCall).rejects.toThrow('upstream 503');
      expect(b.currentRecoveryTimeoutMs).toBe(120_000);
    });
  });

  describe('health probe successes', () => {
    it('end the open period early and count as one trial', async () => {
      const b = breaker({ successThreshold: 2 });
      await fail(b, 5);
      clock.advance(1_000);

      b.recordProbeSuccess();

      expect(b.state).toBe('HALF_OPEN');
      expect(b.snapshot().history.at(-1)).toEqual({
        from: 'OPEN',
        to: 'HALF_OPEN',
        at: iso(clock, 1_000),
        reason: 'health probe succeeded',
      });
      // One success still needed: one trial call admitted, and its success closes the circuit.
      await succeed(b);
      expect(b.state).toBe('CLOSED');
      expect(b.currentRecoveryTimeoutMs).toBe(60_000);
    });

    it('close the circuit at once when one success is enough, or when trials already succeeded', async () => {
      const one = breaker({ successThreshold: 1 });
      await fail(one, 5);
      one.recordProbeSuccess();
      expect(one.state).toBe('CLOSED');

      const three = breaker({ successThreshold: 3 });
      await openAndWait(three);
      await succeed(three, 2);
      three.recordProbeSuccess();
      expect(three.state).toBe('CLOSED');
      expect(three.snapshot().history.at(-1)).toMatchObject({
        reason: '3 trials succeeded (health probes included)',
      });
    });

    it('leave a re-opened circuit its doubled period when the next trial fails', async () => {
      const b = breaker({ successThreshold: 2 });
      await fail(b, 5);
      b.recordProbeSuccess();

      await fail(b);

      expect(b.state).toBe('OPEN');
      expect(b.currentRecoveryTimeoutMs).toBe(120_000);
    });

    it('change nothing while closed or isolated', async () => {
      const b = breaker({ failureThreshold: 2 });
      await fail(b);
      b.recordProbeSuccess();
      await fail(b);
      // The probe did not break the failure streak of real calls.
      expect(b.state).toBe('OPEN');

      b.isolate();
      b.recordProbeSuccess();
      expect(b.state).toBe('OPEN');
      expect(b.isIsolated).toBe(true);
    });
  });

  describe('call timeout', () => {
    it('rejects with CallTimeoutError and aborts the signal, even when the callee ignores it', async () => {
      const b = breaker({ callTimeoutMs: 1_000 });
      let seen: AbortSignal | undefined;
      const call = b.execute((signal) => {
        seen = signal;
        return new Promise<never>(() => undefined);
      });
      const outcome = call.catch((error: unknown) => error);

      clock.advance(999);
      await flushPromises();
      expect(seen?.aborted).toBe(false);
      clock.advance(1);

      const error = await outcome;
      expect(error).toBeInstanceOf(CallTimeoutError);
      expect(error).toMatchObject({ breakerName: 'test', timeoutMs: 1_000 });
      expect(error).toBeInstanceOf(TaskCancelledError);
      expect(seen?.aborted).toBe(true);
      expect(seen?.reason).toBe(error);
      expect(b.snapshot().metrics).toMatchObject({ timeouts: 1, failed_calls: 0 });
    });

    it('times out a callee that declares no signal parameter', async () => {
      const b = breaker();
      const call = b.execute(() => new Promise<never>(() => undefined));

      clock.advance(1_000);

      await expect(call).rejects.toBeInstanceOf(CallTimeoutError);
    });

    it('lets a cooperative callee stop when its signal aborts', async () => {
      const b = breaker();
      const stopped = jest.fn();
      const call = b.execute(
        (signal) =>
          new Promise<never>((_, reject) =>
            signal.addEventListener('abort', () => {
              stopped();
              reject(new Error('aborted'));
            }),
          ),
      );

      clock.advance(1_000);

      await expect(call).rejects.toBeInstanceOf(CallTimeoutError);
      expect(stopped).toHaveBeenCalledTimes(1);
      expect(b.snapshot().metrics).toMatchObject({ timeouts: 1, failed_calls: 0 });
    });

    it('does not abort the signal when the callee returns, so a returned stream keeps working', async () => {
      const b = breaker();
      const stream = await b.execute((signal) => Promise.resolve({ signal }));

      clock.advance(10_000);

      expect(stream.signal.aborted).toBe(false);
      expect(clock.pendingTimers).toBe(0);
    });

    it('ignores a settlement that arrives after the timeout', async () => {
      const b = breaker();
      const late = deferred<string>();
      const call = b.execute(() => late.promise);
      clock.advance(1_000);
      await expect(call).rejects.toBeInstanceOf(CallTimeoutError);

      late.resolve('too late');
      await flushPromises();

      expect(b.snapshot().metrics).toMatchObject({ successful_calls: 0, timeouts: 1 });
    });

    it('opens after failureThreshold timeouts', async () => {
      const b = breaker({ failureThreshold: 2 });
      const calls = [1, 2].map(() => b.execute(() => new Promise<never>(() => undefined)));

      clock.advance(1_000);

      await Promise.all(calls.map((call) => expect(call).rejects.toBeInstanceOf(CallTimeoutError)));
      expect(b.state).toBe('OPEN');
    });

    it('expires overlapping calls at their own deadlines without a timer per call', async () => {
      const b = breaker();
      const first = b.execute(() => new Promise<never>(() => undefined)).catch((e: unknown) => e);
      clock.advance(500);
      const second = b.execute(() => new Promise<never>(() => undefined)).catch((e: unknown) => e);
      for (let i = 0; i < 100; i++) {
        await b.execute(() => Promise.resolve(i));
      }

      clock.advance(500);
      await expect(first).resolves.toBeInstanceOf(CallTimeoutError);
      let secondSettled = false;
      void second.then(() => (secondSettled = true));
      await flushPromises();
      expect(secondSettled).toBe(false);

      clock.advance(500);
      await expect(second).resolves.toBeInstanceOf(CallTimeoutError);
      expect(clock.timersSet).toBe(2);
    });

    it('times out with the real clock too', async () => {
      const b = new CircuitBreaker({ name: 'real', settings: { callTimeoutMs: 20 } });
      const started = performance.now();

      await expect(b.execute(() => new Promise<never>(() => undefined))).rejects.toBeInstanceOf(
        CallTimeoutError,
      );

      expect(performance.now() - started).toBeGreaterThanOrEqual(19);
      expect(b.snapshot().last_failure_at).not.toBeNull();
    });
  });

  describe("caller's own signal", () => {
    it('rejects at once without counting when it is already aborted', async () => {
      const b = breaker();
      const callee = jest.fn(() => Promise.resolve(1));
      const controller = new AbortController();
      controller.abort(new Error('client gone'));

      await expect(b.execute(callee, { signal: controller.signal })).rejects.toThrow('client gone');

      expect(callee).not.toHaveBeenCalled();
      expect(b.snapshot().metrics.total_calls).toBe(0);
    });

    it('rejects with its reason and aborts the callee when it aborts mid-call, counting nothing against the dependency', async () => {
      const b = breaker({ failureThreshold: 1 });
      const outcomes: CallOutcome[] = [];
      b.onCallOutcome((outcome) => outcomes.push(outcome));
      const controller = new AbortController();
      let seen: AbortSignal | undefined;
      const call = b.execute(
        (signal) => {
          seen = signal;
          return new Promise<never>(() => undefined);
        },
        { signal: controller.signal },
      );

      const reason = new Error('client gone');
      controller.abort(reason);

      await expect(call).rejects.toBe(reason);
      expect(seen?.reason).toBe(reason);
      expect(outcomes).toEqual(['ignored']);
      expect(b.state).toBe('CLOSED');
      clock.advance(1_000);
      expect(b.snapshot().metrics.timeouts).toBe(0);
    });

    it('stops following the signal once the call has settled', async () => {
      const b = breaker();
      const outcomes: CallOutcome[] = [];
      b.onCallOutcome((outcome) => outcomes.push(outcome));
      const controller = new AbortController();

      await expect(
        b.execute(() => Promise.resolve('done'), { signal: controller.signal }),
      ).resolves.toBe('done');
      controller.abort();
      await b
        .execute(() => Promise.reject(serverError()), { signal: new AbortController().signal })
        .catch(() => undefined);

      expect(outcomes).toEqual(['success', 'failure']);
    });
  });

  describe('error classification', () => {
    it('uses the classifier given to the breaker', async () => {
      const b = breaker({ failureThreshold: 1 }, { classifyError: () => 'ignored' });
      await fail(b, 5);

      expect(b.state).toBe('CLOSED');
      expect(b.snapshot().metrics).toMatchObject({ total_calls: 5, failed_calls: 0 });
    });

    it('counts an error as a failure when the classifier throws, and logs it', async () => {
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const b = breaker(
        { failureThreshold: 1 },
        {
          classifyError: () => {
            throw new Error('classifier bug');
          },
        },
      );
      const error = badRequest();

      await expect(b.execute(() => Promise.reject(error))).rejects.toBe(error);
      expect(b.state).toBe('OPEN');
      expect(logged).toHaveBeenCalledWith(
        'error classifier of breaker "test" threw',
        expect.any(Error),
      );
      logged.mockRestore();
    });
  });

  describe('snapshot', () => {
    it('has exactly the contract shape', async () => {
      const b = breaker({ failureThreshold: 2, callTimeoutMs: 2_000 });
      await succeed(b);
      clock.advance(100);
      await fail(b, 2);
      await b.execute(() => Promise.resolve(1)).catch(() => undefined);

      expect(b.snapshot()).toEqual({
        name: 'test',
        state: 'OPEN',
        config: {
          failure_threshold: 2,
          recovery_timeout_ms: 60_000,
          max_recovery_timeout_ms: 300_000,
          success_threshold: 2,
          call_timeout_ms: 2_000,
        },
        current_recovery_timeout_ms: 60_000,
        next_attempt_at: iso(clock, 60_100),
        metrics: {
          total_calls: 4,
          successful_calls: 1,
          failed_calls: 2,
          rejected_calls: 1,
          timeouts: 0,
        },
        last_failure_at: iso(clock, 100),
        history: [
          { from: 'CLOSED', to: 'OPEN', at: iso(clock, 100), reason: '2 consecutive failures' },
        ],
      });
    });

    it('starts empty', () => {
      expect(breaker().snapshot()).toMatchObject({
        state: 'CLOSED',
        next_attempt_at: null,
        last_failure_at: null,
        history: [],
      });
    });

    it('keeps only the last historyLimit transitions, newest last', async () => {
      const b = breaker({ failureThreshold: 1 }, { historyLimit: 3 });
      for (let i = 0; i < 3; i++) {
        await fail(b);
        b.reset();
      }

      const reasons = b.snapshot().history.map((t) => t.reason);

      expect(reasons).toEqual(['reset by operator', '1 consecutive failures', 'reset by operator']);
    });
  });

  describe('listeners', () => {
    it('reports state changes until unsubscribed', async () => {
      const b = breaker({ failureThreshold: 1, successThreshold: 1 });
      const seen: StateTransition[] = [];
      const unsubscribe = b.onStateChange((t) => seen.push(t));

      await fail(b);
      clock.advance(60_000);
      await succeed(b);
      unsubscribe();
      await fail(b);

      expect(seen.map((t) => `${t.from}->${t.to}`)).toEqual([
        'CLOSED->OPEN',
        'OPEN->HALF_OPEN',
        'HALF_OPEN->CLOSED',
      ]);
      expect(seen[1].at).toBe(clock.wallOrigin + 60_000);
    });

    it('reports every call outcome with its duration until unsubscribed', async () => {
      const b = breaker({ failureThreshold: 2 });
      const seen: [CallOutcome, number][] = [];
      const unsubscribe = b.onCallOutcome((outcome, durationMs) =>
        seen.push([outcome, durationMs]),
      );

      const slow = deferred<string>();
      const slowCall = b.execute(() => slow.promise);
      clock.advance(30);
      slow.resolve('ok');
      await slowCall;
      await fail(b, 1, badRequest);
      const hung = b.execute(() => new Promise<never>(() => undefined)).catch(() => undefined);
      clock.advance(1_000);
      await hung;
      await fail(b);
      await b.execute(() => Promise.resolve(1)).catch(() => undefined);
      unsubscribe();
      await b.execute(() => Promise.resolve(1)).catch(() => undefined);

      expect(seen).toEqual([
        ['success', 30],
        ['ignored', 0],
        ['timeout', 1_000],
        ['failure', 0],
        ['rejected', 0],
      ]);
    });

    it('keeps calls working when a listener throws, and logs it', async () => {
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const b = breaker({ failureThreshold: 1 });
      const boom = (): never => {
        throw new Error('listener bug');
      };
      b.onStateChange(boom);
      b.onCallOutcome(boom);

      await expect(b.execute(() => Promise.resolve('ok'))).resolves.toBe('ok');
      await fail(b);
      expect(b.state).toBe('OPEN');
      expect(logged).toHaveBeenCalledTimes(3);
      logged.mockRestore();
    });
  });

  describe('reset', () => {
    it('zeroes the failure streak, which cockatiel isolate/dispose would keep', async () => {
      const b = breaker({ failureThreshold: 5 });
      await fail(b, 4);

      b.reset();
      await fail(b, 4);
      expect(b.state).toBe('CLOSED');

      await fail(b);
      expect(b.state).toBe('OPEN');
    });

    it('closes an open circuit, zeroes the metrics, restores the base timeout and records the reset', async () => {
      const b = breaker();
      await openAndWait(b);
      await fail(b);
      expect(b.currentRecoveryTimeoutMs).toBe(120_000);

      b.reset();

      const snapshot = b.snapshot();
      expect(snapshot).toMatchObject({
        state: 'CLOSED',
        current_recovery_timeout_ms: 60_000,
        next_attempt_at: null,
        last_failure_at: null,
        metrics: {
          total_calls: 0,
          successful_calls: 0,
          failed_calls: 0,
          rejected_calls: 0,
          timeouts: 0,
        },
      });
      expect(snapshot.history.at(-1)).toMatchObject({
        from: 'OPEN',
        to: 'CLOSED',
        reason: 'reset by operator',
      });
      await succeed(b);
    });

    it('still times out calls in flight at the reset but no longer counts them', async () => {
      const b = breaker({ failureThreshold: 1 });
      const hung = b.execute(() => new Promise<never>(() => undefined));

      b.reset();
      clock.advance(1_000);

      await expect(hung).rejects.toBeInstanceOf(CallTimeoutError);
      expect(b.state).toBe('CLOSED');
      expect(b.snapshot().metrics).toMatchObject({ total_calls: 0, timeouts: 0 });
      expect(b.snapshot().last_failure_at).toBeNull();
    });
  });

  describe('isolate', () => {
    it('holds the circuit open, past any recovery timeout, until reset', async () => {
      const b = breaker();
      const callee = jest.fn(() => Promise.resolve('ok'));

      b.isolate();
      clock.advance(600_000);

      expect(b.isIsolated).toBe(true);
      expect(b.snapshot()).toMatchObject({ state: 'OPEN', next_attempt_at: null });
      await expect(b.execute(callee)).rejects.toMatchObject({
        reason: 'isolated',
        retryAfterMs: 60_000,
      });
      expect(callee).not.toHaveBeenCalled();
      expect(b.snapshot().history.at(-1)).toMatchObject({
        from: 'CLOSED',
        to: 'OPEN',
        reason: 'isolated by operator',
      });

      b.reset();
      expect(b.isIsolated).toBe(false);
      await expect(b.execute(callee)).resolves.toBe('ok');
    });

    it('is not reference-counted: one reset ends any number of isolations', async () => {
      const b = breaker();
      b.isolate();
      b.isolate();

      b.reset();

      expect(b.state).toBe('CLOSED');
      await succeed(b);
    });

    it('keeps an automatically opened circuit open beyond its recovery timeout', async () => {
      const b = breaker();
      await fail(b, 5);

      b.isolate();
      clock.advance(60_000);

      expect(b.state).toBe('OPEN');
      expect(b.snapshot().history.at(-1)).toMatchObject({ from: 'OPEN', to: 'OPEN' });
    });
  });
});
