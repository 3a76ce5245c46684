/**
 * Tuning of one circuit breaker, in milliseconds where it is a duration.
 * Config code maps `CB_<NAME>_*` variables onto this; the breaker never reads the environment.
 */
export interface BreakerSettings {
  /** Consecutive counted failures that open a closed circuit. */
  readonly failureThreshold: number;
  /** How long the circuit stays open the first time. */
  readonly recoveryTimeoutMs: number;
  /** Cap for the open period, which doubles on each re-open from half-open. */
  readonly maxRecoveryTimeoutMs: number;
  /** Successful trial calls needed in half-open before the circuit closes. */
  readonly successThreshold: number;
  /** Hard limit on each call; the callee's AbortSignal fires when it passes. */
  readonly callTimeoutMs: number;
}

/** The breakers every deployment has; settings may add more names. */
export const STANDARD_BREAKER_NAMES = ['llm', 'vector_search', 'database', 'tools'] as const;

/** One of {@link STANDARD_BREAKER_NAMES}. */
export type StandardBreakerName = (typeof STANDARD_BREAKER_NAMES)[number];

/** Per-breaker call timeouts: a model answer is slow, a vector lookup must be quick. */
export const DEFAULT_CALL_TIMEOUTS_MS: Readonly<Record<StandardBreakerName, number>> = {
  llm: 60_000,
  vector_search: 2_000,
  database: 5_000,
  tools: 10_000,
};

/** Defaults for any breaker; the call timeout is replaced per name by {@link defaultSettingsFor}. */
export const DEFAULT_BREAKER_SETTINGS: Readonly<BreakerSettings> = {
  failureThreshold: 5,
  recoveryTimeoutMs: 60_000,
  maxRecoveryTimeoutMs: 300_000,
  successThreshold: 2,
  callTimeoutMs: 10_000,
};

/** setTimeout treats larger delays as 1 ms, which would time every call out at once. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** The defaults for a breaker name, with that name's own call timeout when it is a standard one. */
export function defaultSettingsFor(name: string): BreakerSettings {
  const callTimeoutMs = (DEFAULT_CALL_TIMEOUTS_MS as Partial<Record<string, number>>)[name];
  return {
    ...DEFAULT_BREAKER_SETTINGS,
    callTimeoutMs: callTimeoutMs ?? DEFAULT_BREAKER_SETTINGS.callTimeoutMs,
  };
}

/** Thrown when breaker settings are out of range; the message names the breaker and the field. */
export class InvalidBreakerSettingsError extends Error {
  override readonly name = 'InvalidBreakerSettingsError';
}

/**
 * Fills the gaps in `overrides` from the defaults for `name` and checks the result, so that a bad
 * value stops the process at start instead of misbehaving under load.
 */
export function resolveBreakerSettings(
  name: string,
  overrides: Partial<BreakerSettings> = {},
): BreakerSettings {
  const settings = { ...defaultSettingsFor(name), ...withoutUndefined(overrides) };
  requireInteger(name, 'failureThreshold', settings.failureThreshold);
  requireInteger(name, 'successThreshold', settings.successThreshold);
  requireDuration(name, 'recoveryTimeoutMs', settings.recoveryTimeoutMs);
  requireDuration(name, 'maxRecoveryTimeoutMs', settings.maxRecoveryTimeoutMs);
  requireDuration(name, 'callTimeoutMs', settings.callTimeoutMs);
  if (settings.maxRecoveryTimeoutMs < settings.recoveryTimeoutMs) {
    throw new InvalidBreakerSettingsError(
      `breaker "${name}": maxRecoveryTimeoutMs (${settings.maxRecoveryTimeoutMs}) must be >= recoveryTimeoutMs (${settings.recoveryTimeoutMs})`,
    );
  }
  return settings;
}

// Config objects built from optional env vars often carry `undefined` for "not set".
function withoutUndefined(overrides: Partial<BreakerSettings>): Partial<BreakerSettings> {
  return Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
}

function requireInteger(name: string, field: keyof BreakerSettings, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidBreakerSettingsError(
      `breaker "${name}": ${field} must be an integer >= 1, got ${value}`,
    );
  }
}

function requireDuration(name: string, field: keyof BreakerSettings, value: number): void {
  if (!Number.isFinite(value) || value <= 0 || value > MAX_TIMER_DELAY_MS) {
    throw new InvalidBreakerSettingsError(
      `breaker "${name}": ${field} must be a duration in ms between 1 and ${MAX_TIMER_DELAY_MS}, got ${value}`,
    );
  }
}
