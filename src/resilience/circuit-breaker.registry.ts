import { Inject, Injectable, Optional } from '@nestjs/common';
import { BREAKER_NAMES, type BreakerName } from '../config/env.schema';
import { CircuitBreaker, type Callee, type ExecuteOptions } from './circuit-breaker';
import type { CircuitBreakerSnapshot } from './circuit-breaker-snapshot';
import type { ErrorClassifier } from './error-classifier';
import { RESILIENCE_SETTINGS, type ResilienceSettings } from './resilience-settings';
import { UnknownBreakerError } from './unknown-breaker.error';

/** Most breakers {@link CircuitBreakerRegistry.forKey} keeps at once. */
export const MAX_KEYED = 1000;

/**
 * Owns every circuit breaker of the process, by name. A singleton: breakers must see every call
 * to their dependency, so they are never request-scoped or created per use.
 */
@Injectable()
export class CircuitBreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>();
  /** Breakers made per key (`webhooks:example.com`), at most {@link MAX_KEYED} of them. */
  private readonly keyed = new Map<string, CircuitBreaker>();
  private readonly historyLimit?: number;
  private readonly clock?: ResilienceSettings['clock'];

  constructor(@Optional() @Inject(RESILIENCE_SETTINGS) settings: ResilienceSettings | null = null) {
    const { breakers = {}, classifiers = {}, historyLimit, clock } = settings ?? {};
    this.historyLimit = historyLimit;
    this.clock = clock;
    const names = new Set<string>([...BREAKER_NAMES, ...Object.keys(breakers)]);
    for (const name of Object.keys(classifiers)) {
      // A classifier for a breaker that does not exist is a typo that would silently do nothing.
      if (!names.has(name)) {
        throw new UnknownBreakerError(name, [...names]);
      }
    }
    for (const name of names) {
      this.breakers.set(
        name,
        new CircuitBreaker({
          name,
          settings: breakers[name],
          classifyError: classifiers[name],
          historyLimit,
          clock,
        }),
      );
    }
  }

  /** The breaker called `name`; throws {@link UnknownBreakerError} if there is none. */
  get(name: BreakerName): CircuitBreaker {
    return this.find(name);
  }

  /**
   * The breaker called `name`, a name from outside the code (an operator's request); throws
   * {@link UnknownBreakerError} if there is none.
   */
  find(name: string): CircuitBreaker {
    const breaker = this.breakers.get(name);
    if (breaker === undefined) {
      throw new UnknownBreakerError(name, [...this.breakers.keys()]);
    }
    return breaker;
  }

  /** True if a breaker called `name` exists. */
  has(name: string): boolean {
    return this.breakers.has(name);
  }

  /**
   * The breaker of one instance of a dependency (one webhook destination host): named
   * `<name>:<key>`, tuned and counting errors as the breaker `name`, made on first use. Past
   * {@link MAX_KEYED} keys the least recently made one is dropped (its state with it), so that
   * destinations chosen by callers cannot grow memory without bound.
   */
  forKey(name: BreakerName, key: string): CircuitBreaker {
    const fullName = `${name}:${key}`;
    const existing = this.keyed.get(fullName);
    if (existing) return existing;
    const base = this.get(name);
    const breaker = new CircuitBreaker({
      name: fullName,
      settings: base.settings,
      classifyError: base.classifier,
      historyLimit: this.historyLimit,
      clock: this.clock,
    });
    if (this.keyed.size >= MAX_KEYED) {
      const oldest = this.keyed.keys().next().value as string;
      this.keyed.delete(oldest);
      this.breakers.delete(oldest);
    }
    this.keyed.set(fullName, breaker);
    this.breakers.set(fullName, breaker);
    return breaker;
  }

  /** Every breaker, standard ones first, then those made per key. */
  list(): CircuitBreaker[] {
    return [...this.breakers.values()];
  }

  /** Snapshots of every breaker, for `GET /resilience/circuit-breakers`. */
  snapshots(): CircuitBreakerSnapshot[] {
    return this.list().map((breaker) => breaker.snapshot());
  }

  /**
   * Sets how the breaker `name` counts errors. The dependency's owner calls it when it is built
   * (the database module for `database`, the runs module for `llm`), before any call.
   */
  classify(name: BreakerName, classifier: ErrorClassifier): void {
    this.get(name).useClassifier(classifier);
  }

  /**
   * Runs `fn` through the breaker called `name`; see {@link CircuitBreaker.execute}. An unknown
   * name rejects with {@link UnknownBreakerError} rather than throwing, like every other failure.
   */
  execute<T>(name: BreakerName, fn: Callee<T>, options?: ExecuteOptions): Promise<T> {
    const breaker = this.breakers.get(name);
    if (breaker === undefined) {
      return Promise.reject(new UnknownBreakerError(name, [...this.breakers.keys()]));
    }
    return breaker.execute(fn, options);
  }

  /** Closes the breaker and zeroes its counts; returns its snapshot, now CLOSED. */
  reset(name: string): CircuitBreakerSnapshot {
    const breaker = this.find(name);
    breaker.reset();
    return breaker.snapshot();
  }

  /** Holds the breaker OPEN until {@link reset}; returns its snapshot. */
  isolate(name: string): CircuitBreakerSnapshot {
    const breaker = this.find(name);
    breaker.isolate();
    return breaker.snapshot();
  }
}
