import { Counter, Gauge, Registry } from 'prom-client';
import { CircuitBreakerRegistry } from '../resilience';
import { BreakerMetrics } from './breaker-metrics.service';

describe('BreakerMetrics', () => {
  it('counts calls by outcome and transitions, and exports the state as a number', async () => {
    const registers = [new Registry()];
    const breakers = new CircuitBreakerRegistry({
      breakers: { tools: { failureThreshold: 1, recoveryTimeoutMs: 60_000 } },
    });
    const metrics = new BreakerMetrics(
      breakers,
      new Gauge({ name: 'circuit_breaker_state', help: 'h', labelNames: ['breaker'], registers }),
      new Counter({
        name: 'circuit_breaker_calls_total',
        help: 'h',
        labelNames: ['breaker', 'outcome'],
        registers,
      }),
      new Counter({
        name: 'circuit_breaker_transitions_total',
        help: 'h',
        labelNames: ['breaker', 'from', 'to'],
        registers,
      }),
    );
    metrics.onModuleInit();

    await breakers.execute('tools', () => 'ok');
    await expect(
      breakers.execute('tools', () =>
        Promise.reject(Object.assign(new Error('down'), { status: 503 })),
      ),
    ).rejects.toThrow('down');
    await expect(breakers.execute('tools', () => 'refused')).rejects.toThrow();
    metrics.refresh();

    let text = await registers[0].metrics();
    expect(text).toContain('circuit_breaker_calls_total{breaker="tools",outcome="success"} 1');
    expect(text).toContain('circuit_breaker_calls_total{breaker="tools",outcome="failure"} 1');
    expect(text).toContain('circuit_breaker_calls_total{breaker="tools",outcome="rejected"} 1');
    expect(text).toContain(
      'circuit_breaker_transitions_total{breaker="tools",from="CLOSED",to="OPEN"} 1',
    );
    expect(text).toContain('circuit_breaker_state{breaker="tools"} 2');
    expect(text).toContain('circuit_breaker_state{breaker="llm"} 0');

    metrics.onModuleDestroy();
    breakers.reset('tools');
    text = await registers[0].metrics();
    // No longer listening: the reset is not counted.
    expect(text).not.toContain('to="CLOSED"');
  });
});
