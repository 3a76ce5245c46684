import * as resilience from './index';

describe('resilience public API', () => {
  it('exports what other modules build on', () => {
    expect(Object.keys(resilience)).toEqual(
      expect.arrayContaining([
        'CircuitBreaker',
        'CircuitBreakerRegistry',
        'ResilienceModule',
        'RESILIENCE_SETTINGS',
        'CircuitOpenError',
        'CallTimeoutError',
        'UnknownBreakerError',
        'InvalidBreakerSettingsError',
        'classifyError',
        'resolveBreakerSettings',
        'defaultSettingsFor',
        'systemClock',
      ]),
    );
  });
});
