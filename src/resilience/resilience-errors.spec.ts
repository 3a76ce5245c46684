import { isBrokenCircuitError, TaskCancelledError } from 'cockatiel';
import { CallTimeoutError } from './call-timeout.error';
import { CircuitOpenError } from './circuit-open.error';
import { UnknownBreakerError } from './unknown-breaker.error';

describe('resilience errors', () => {
  it('describe an open circuit as 503 with Retry-After rounded up to whole seconds', () => {
    const error = new CircuitOpenError('llm', 1_200, 'open');

    expect(error.toHttp()).toEqual({
      status: 503,
      code: 'circuit_open',
      detail: 'Circuit breaker "llm" is open (open); retry after 1200 ms',
      headers: { 'Retry-After': '2' },
    });
    expect(new CircuitOpenError('llm', 0, 'half_open_busy').toHttp().headers).toEqual({
      'Retry-After': '1',
    });
    expect(isBrokenCircuitError(error)).toBe(true);
    expect(error.name).toBe('CircuitOpenError');
  });

  it('describe a call timeout as 504', () => {
    const error = new CallTimeoutError('database', 5_000);

    expect(error.toHttp()).toEqual({
      status: 504,
      code: 'call_timeout',
      detail: 'Call through circuit breaker "database" timed out after 5000 ms',
    });
    expect(error).toBeInstanceOf(TaskCancelledError);
    expect(error.name).toBe('CallTimeoutError');
  });

  it('describe an unknown breaker as 404', () => {
    const error = new UnknownBreakerError('lmm', ['llm', 'tools']);

    expect(error.toHttp()).toEqual({
      status: 404,
      code: 'circuit_breaker_not_found',
      detail: 'Unknown circuit breaker "lmm"; known: llm, tools',
    });
  });
});
