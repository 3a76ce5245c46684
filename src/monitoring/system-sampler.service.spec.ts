import type { HealthConfig } from '../config';
import { SystemSampler } from './system-sampler.service';

function sampler(monitoring: HealthConfig['monitoring']): SystemSampler {
  return new SystemSampler({ monitoring } as HealthConfig);
}

describe('SystemSampler', () => {
  it('samples nothing when monitoring is off', () => {
    const off = sampler({ enabled: false, intervalMs: 100, windowMs: 10_000 });
    off.onModuleInit();
    off.sample();
    expect(off.latest()).toBeNull();
    expect(off.history()).toEqual([]);
    off.onModuleDestroy();
  });

  it('takes a sample at start and keeps only the window’s worth', () => {
    const on = sampler({ enabled: true, intervalMs: 60_000, windowMs: 180_000 });
    on.onModuleInit();
    try {
      expect(on.latest()).toMatchObject({
        sampled_at: expect.any(String),
        cpu: { percent: expect.any(Number) },
        memory: { rss_bytes: expect.any(Number) },
        event_loop_delay: { p99_ms: expect.any(Number) },
      });
      for (let i = 0; i < 5; i++) on.sample();
      expect(on.history()).toHaveLength(3);
    } finally {
      on.onModuleDestroy();
    }
  });

  it('samples on its interval', async () => {
    const on = sampler({ enabled: true, intervalMs: 20, windowMs: 10_000 });
    on.onModuleInit();
    try {
      await new Promise((resolve) => setTimeout(resolve, 90));
      expect(on.history().length).toBeGreaterThanOrEqual(3);
    } finally {
      on.onModuleDestroy();
    }
  });
});
