import { Registry } from 'prom-client';
import { registerDefaultMetricsOnce } from './default-metrics';

describe('registerDefaultMetricsOnce', () => {
  it('registers the process metrics once, and again after the registry was cleared', async () => {
    const registry = new Registry();
    expect(registerDefaultMetricsOnce('', registry)).toBe(true);
    expect(() => registerDefaultMetricsOnce('', registry)).not.toThrow();
    expect(registerDefaultMetricsOnce('', registry)).toBe(false);
    expect(await registry.metrics()).toContain('process_cpu_user_seconds_total');

    registry.clear();
    expect(registerDefaultMetricsOnce('', registry)).toBe(true);
    expect(await registry.metrics()).toContain('nodejs_heap_size_used_bytes');
  });

  it('names every metric with the prefix, and keeps no gauge named like a counter', async () => {
    const registry = new Registry();
    registerDefaultMetricsOnce('svc_', registry);
    const text = await registry.metrics();
    const names = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)];
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter(([, name]) => !name.startsWith('svc_'))).toEqual([]);
    expect(names.filter(([, name, type]) => name.endsWith('_total') && type !== 'counter')).toEqual(
      [],
    );
    expect(text).toContain('# TYPE svc_nodejs_active_handles gauge');
  });
});
