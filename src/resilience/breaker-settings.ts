import {
  BREAKER_DEFAULTS,
  DEFAULT_CALL_TIMEOUT_MS,
  type BreakerConfig,
  type BreakerName,
} from '../config/env.schema';

/**
 * Tuning of one circuit breaker (see `BreakerConfig` for each field). Config code maps
 * `CB_<NAME>_*` variables onto this; the breaker never reads the environment.
 */
export type BreakerSettings = BreakerConfig;

/** setTimeout treats larger delays as 1 ms, which would time every call out at once. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** The defaults for a breaker name, with that name's own call timeout when it is a standard one. */
export function defaultSettingsFor(name: string): BreakerSettings {
  const callTimeoutMs = isBreakerName(name) ? DEFAULT_CALL_TIMEOUT_MS[name] : undefined;
  return { ...BREAKER_DEFAULTS, callTimeoutMs: callTimeoutMs ?? BREAKER_DEFAULTS.callTimeoutMs };
}

function isBreakerName(name: string): name is BreakerName {
  return Object.hasOwn(DEFAULT_CALL_TIMEOUT_MS, name);
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
