import { Registry } from 'prom-client';
import { registerDefaultMetricsOnce } from './default-metrics';

describe('registerDefaultMetricsOnce', () => {
  it('registers the process metrics once, and again after the registry was cleared', async () => {
    const registry = new Registry();
    expect(registerDefaultMetricsOnce(registry)).toBe(true);
    expect(() => registerDefaultMetricsOnce(registry)).not.toThrow();
    expect(registerDefaultMetricsOnce(registry)).toBe(false);
    expect(await registry.metrics()).toContain('process_cpu_user_seconds_total');

    registry.clear();
    expect(registerDefaultMetricsOnce(registry)).toBe(true);
    expect(await registry.metrics()).toContain('nodejs_heap_size_used_bytes');
  });
});
