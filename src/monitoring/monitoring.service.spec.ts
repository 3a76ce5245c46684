import type { HealthConfig } from '../config';
import { HttpRequestObservers } from '../metrics';
import { MonitoringService } from './monitoring.service';
import { SystemSampler } from './system-sampler.service';

function setup(enabled: boolean) {
  const config = { monitoring: { enabled, intervalMs: 60_000, windowMs: 60_000 } } as HealthConfig;
  const observers = new HttpRequestObservers();
  const sampler = new SystemSampler(config);
  const service = new MonitoringService(observers, sampler, config);
  sampler.onModuleInit();
  service.onModuleInit();
  return { observers, sampler, service };
}

const finished = { method: 'GET', route: '/a', statusCode: 200, durationMs: 3 };

describe('MonitoringService', () => {
  it('collects finished requests, streams excepted, with the latest system sample', () => {
    const { observers, sampler, service } = setup(true);
    observers.publish({ ...finished, streamed: false });
    observers.publish({ ...finished, route: '/stream', streamed: true });
    const report = service.report();
    service.onModuleDestroy();
    sampler.onModuleDestroy();

    expect(report).toMatchObject({
      enabled: true,
      window_seconds: 60,
      sampling_interval_ms: 60_000,
    });
    expect(report.endpoints.map((e) => [e.route, e.requests])).toEqual([['/a', 1]]);
    expect(report.system).not.toBeNull();
  });

  it('collects nothing when disabled', () => {
    const { observers, sampler, service } = setup(false);
    observers.publish({ ...finished, streamed: false });
    const report = service.report();
    service.onModuleDestroy();
    sampler.onModuleDestroy();
    expect(report).toMatchObject({
      enabled: false,
      system: null,
      system_history: [],
      endpoints: [],
    });
  });
});
