import { Inject, Injectable } from '@nestjs/common';
import { register } from 'prom-client';
import { appConfig, type AppConfig } from '../config';
import { BreakerMetrics } from './breaker-metrics.service';
import { DatabasePoolMetrics } from './database-pool-metrics.service';
import { registerDefaultMetricsOnce } from './default-metrics';
import { StreamMetrics } from './stream-metrics.service';

/** Renders the Prometheus text, after bringing the figures read at scrape time up to date. */
@Injectable()
export class MetricsService {
  constructor(
    private readonly streams: StreamMetrics,
    private readonly breakers: BreakerMetrics,
    private readonly pool: DatabasePoolMetrics,
    @Inject(appConfig.KEY) config: AppConfig,
  ) {
    registerDefaultMetricsOnce(config.metricsPrefix);
  }

  /** The exposition format's content type. */
  get contentType(): string {
    return register.contentType;
  }

  /** Every series in the Prometheus text format. */
  async render(): Promise<string> {
    // Read here rather than in prom-client `collect()` callbacks: those are bound to the first
    // app that created the metric, and would read a closed pool in a second app in one process.
    this.streams.refresh();
    this.breakers.refresh();
    this.pool.refresh();
    return register.metrics();
  }
}
