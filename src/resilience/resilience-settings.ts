import type { BreakerSettings } from './breaker-settings';
import type { Clock } from './clock';
import type { ErrorClassifier } from './error-classifier';

/**
 * Settings of the whole resilience module, handed to `ResilienceModule.forRoot()`.
 * The four standard breakers (`llm`, `vector_search`, `database`, `tools`) always exist; a name
 * under `breakers` that is not one of them adds a breaker with the generic defaults.
 */
export interface ResilienceSettings {
  /** Per-breaker overrides of the defaults; unset or `undefined` fields keep the default. */
  readonly breakers?: Readonly<Record<string, Partial<BreakerSettings> | undefined>>;
  /**
   * Per-breaker replacements of the default error classifier; the app's owners set theirs with
   * `CircuitBreakerRegistry.classify()` instead.
   */
  readonly classifiers?: Readonly<Record<string, ErrorClassifier | undefined>>;
  /** How many state transitions each breaker keeps. Default 50. */
  readonly historyLimit?: number;
  /** Time source for every breaker; for tests. */
  readonly clock?: Clock;
}

/** Injection token of the {@link ResilienceSettings}. */
export const RESILIENCE_SETTINGS = Symbol('RESILIENCE_SETTINGS');
