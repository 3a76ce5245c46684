import { BREAKER_DEFAULTS } from '../config/env.schema';
import { InvalidBreakerSettingsError, resolveBreakerSettings } from './breaker-settings';

describe('resolveBreakerSettings', () => {
  it('gives each standard breaker its own call timeout and the shared defaults', () => {
    expect(resolveBreakerSettings('llm')).toEqual({
      failureThreshold: 5,
      recoveryTimeoutMs: 60_000,
      maxRecoveryTimeoutMs: 300_000,
      successThreshold: 2,
      callTimeoutMs: 60_000,
    });
    expect(resolveBreakerSettings('vector_search').callTimeoutMs).toBe(2_000);
    expect(resolveBreakerSettings('database').callTimeoutMs).toBe(5_000);
    expect(resolveBreakerSettings('tools').callTimeoutMs).toBe(10_000);
  });

  it('gives any other name the generic defaults', () => {
    expect(resolveBreakerSettings('billing_api')).toEqual(BREAKER_DEFAULTS);
  });

  it('applies overrides and keeps the default where an override is undefined', () => {
    const settings = resolveBreakerSettings('llm', {
      callTimeoutMs: 90_000,
      failureThreshold: undefined,
    });

    expect(settings).toMatchObject({ callTimeoutMs: 90_000, failureThreshold: 5 });
  });

  it.each([
    ['failureThreshold', { failureThreshold: 0 }],
    ['successThreshold', { successThreshold: 1.5 }],
    ['recoveryTimeoutMs', { recoveryTimeoutMs: -1 }],
    ['maxRecoveryTimeoutMs', { maxRecoveryTimeoutMs: Number.NaN }],
    ['callTimeoutMs', { callTimeoutMs: 2 ** 31 }],
  ])('rejects a bad %s, naming the breaker and the field', (field, overrides) => {
    expect(() => resolveBreakerSettings('tools', overrides)).toThrow(InvalidBreakerSettingsError);
    expect(() => resolveBreakerSettings('tools', overrides)).toThrow(
      new RegExp(`breaker "tools": ${field}`),
    );
  });

  it('rejects a cap below the base recovery timeout', () => {
    expect(() =>
      resolveBreakerSettings('llm', { recoveryTimeoutMs: 10_000, maxRecoveryTimeoutMs: 5_000 }),
    ).toThrow(/maxRecoveryTimeoutMs \(5000\) must be >= recoveryTimeoutMs \(10000\)/);
  });
});
