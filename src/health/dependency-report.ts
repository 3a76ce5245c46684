/**
 * A dependency's condition, as shown in health bodies. Only a critical indicator's `down` makes
 * an endpoint answer 503; `degraded`, `unknown` and `not_configured` are for operators to read.
 */
export type DependencyState = 'up' | 'degraded' | 'down' | 'unknown' | 'not_configured';

/** What one indicator found: its state plus figures (snake_case keys, as in the API). */
export interface DependencyReport {
  readonly state: DependencyState;
  readonly [detail: string]: unknown;
}

/**
 * One health indicator. Other modules add theirs to `/health/detailed` through
 * `HealthContributorRegistry` (e.g. the knowledge module its `vector_search`).
 */
export interface HealthContributor {
  /** Key in the health body, e.g. `vector_search`. */
  readonly key: string;
  /** When true, `down` fails the endpoint (503); otherwise the state is only reported. */
  readonly critical: boolean;
  /** Looks at the dependency; a throw or no answer within HEALTH_CHECK_TIMEOUT_MS reads `down`. */
  check(): Promise<DependencyReport> | DependencyReport;
}
