import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { healthConfig, type HealthConfig } from '../config';
import { HttpRequestObservers } from '../metrics';
import { EndpointStatsWindow, type EndpointStats } from './endpoint-stats.window';
import { SystemSampler, type SystemSample } from './system-sampler.service';

/** `GET /api/v1/monitoring/endpoints`. */
export interface MonitoringReport {
  /** False with `ENABLE_MONITORING=false`: nothing is collected and the lists are empty. */
  readonly enabled: boolean;
  readonly window_seconds: number;
  readonly sampling_interval_ms: number;
  readonly generated_at: string;
  /** The newest CPU, memory and event-loop sample; null when disabled. */
  readonly system: SystemSample | null;
  /** The samples of the window, oldest first. */
  readonly system_history: readonly SystemSample[];
  /** Per route (template), busiest first; streams are not included. */
  readonly endpoints: readonly EndpointStats[];
}

/**
 * Request figures per route over a sliding window, and periodic system samples, for operators
 * without Prometheus. Fed by the same finished-request events as the HTTP metrics.
 */
@Injectable()
export class MonitoringService implements OnModuleInit, OnModuleDestroy {
  private readonly window: EndpointStatsWindow;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly observers: HttpRequestObservers,
    private readonly sampler: SystemSampler,
    @Inject(healthConfig.KEY) private readonly config: HealthConfig,
  ) {
    this.window = new EndpointStatsWindow(config.monitoring.windowMs);
  }

  /** Starts collecting, unless `ENABLE_MONITORING=false`. */
  onModuleInit(): void {
    if (!this.config.monitoring.enabled) return;
    this.unsubscribe = this.observers.subscribe((request) => {
      if (!request.streamed) {
        this.window.record(request.method, request.route, request.statusCode, request.durationMs);
      }
    });
  }

  /** Stops collecting. */
  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** The figures now. */
  report(): MonitoringReport {
    const { enabled, windowMs, intervalMs } = this.config.monitoring;
    return {
      enabled,
      window_seconds: windowMs / 1000,
      sampling_interval_ms: intervalMs,
      generated_at: new Date().toISOString(),
      system: this.sampler.latest(),
      system_history: this.sampler.history(),
      endpoints: enabled ? this.window.snapshot() : [],
    };
  }
}
