import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { healthConfig, type HealthConfig } from '../config';
import {
  CpuUsageMeter,
  EventLoopDelayMeter,
  readMemory,
  type CpuFigures,
  type EventLoopDelayFigures,
  type MemoryFigures,
} from './process-figures';

/** CPU, memory and event-loop delay over one sampling interval. */
export interface SystemSample {
  readonly sampled_at: string;
  readonly cpu: CpuFigures;
  readonly memory: MemoryFigures;
  readonly event_loop_delay: EventLoopDelayFigures;
}

// However long the window and short the interval, a bounded number of samples is kept.
const MAX_SAMPLES = 360;

/**
 * Samples the process every `MONITORING_INTERVAL_MS` while monitoring is enabled, keeping the
 * samples of the last `MONITORING_WINDOW_MS`. The timer is unref'd: it never holds the process up.
 */
@Injectable()
export class SystemSampler implements OnModuleInit, OnModuleDestroy {
  private readonly samples: SystemSample[] = [];
  private readonly capacity: number;
  private cpu: CpuUsageMeter | undefined;
  private eventLoop: EventLoopDelayMeter | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(@Inject(healthConfig.KEY) private readonly config: HealthConfig) {
    const { windowMs, intervalMs } = config.monitoring;
    this.capacity = Math.min(MAX_SAMPLES, Math.max(1, Math.ceil(windowMs / intervalMs)));
  }

  /** Starts sampling (when enabled), with a first sample at once. */
  onModuleInit(): void {
    if (!this.config.monitoring.enabled) return;
    this.cpu = new CpuUsageMeter();
    this.eventLoop = new EventLoopDelayMeter();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.config.monitoring.intervalMs);
    this.timer.unref();
  }

  /** Stops sampling. */
  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.eventLoop?.stop();
  }

  /** The newest sample, or null when monitoring is off. */
  latest(): SystemSample | null {
    return this.samples.at(-1) ?? null;
  }

  /** Samples of the window, oldest first. */
  history(): readonly SystemSample[] {
    return this.samples;
  }

  /** Takes one sample now (the timer calls this). */
  sample(): void {
    if (!this.cpu || !this.eventLoop) return;
    this.samples.push({
      sampled_at: new Date().toISOString(),
      cpu: this.cpu.read(),
      memory: readMemory(),
      event_loop_delay: this.eventLoop.read(),
    });
    if (this.samples.length > this.capacity) this.samples.shift();
  }
}
