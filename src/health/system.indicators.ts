import { statfs } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { appConfig, healthConfig, type AppConfig, type HealthConfig } from '../config';
import { CpuUsageMeter, EventLoopDelayMeter, readMemory } from '../monitoring/process-figures';
import type { DependencyReport } from './dependency-report';

const DATA_DIR = './.data';

/** This process: memory and disk against their thresholds, event-loop delay, CPU, version. */
@Injectable()
export class SystemIndicators implements OnModuleDestroy {
  private readonly eventLoop = new EventLoopDelayMeter();
  private readonly cpu = new CpuUsageMeter();

  constructor(
    @Inject(healthConfig.KEY) private readonly config: HealthConfig,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  /** Stops sampling the event loop. */
  onModuleDestroy(): void {
    this.eventLoop.stop();
  }

  /** Heap used against `HEALTH_HEAP_MAX_MB`. */
  heap(): DependencyReport {
    return overThreshold(readMemory().heap_used_bytes, this.config.memory.heapMaxBytes);
  }

  /** Resident set size against `HEALTH_RSS_MAX_MB`. */
  rss(): DependencyReport {
    return overThreshold(readMemory().rss_bytes, this.config.memory.rssMaxBytes);
  }

  /** Space on the data directory's disk against `HEALTH_DISK_MAX_USED_PERCENT`. */
  async disk(): Promise<DependencyReport> {
    const path = resolve(
      this.config.disk.path ?? (existsSync(DATA_DIR) ? DATA_DIR : process.cwd()),
    );
    const stats = await statfs(path);
    const total = stats.blocks * stats.bsize;
    const free = stats.bavail * stats.bsize;
    const usedPercent = total > 0 ? Math.round(((total - free) / total) * 1000) / 10 : 100;
    return {
      state: usedPercent > this.config.disk.maxUsedPercent ? 'down' : 'up',
      path,
      free_bytes: free,
      total_bytes: total,
      used_percent: usedPercent,
      threshold_percent: this.config.disk.maxUsedPercent,
    };
  }

  /** Event-loop delay since the previous check; degraded above `HEALTH_EVENT_LOOP_DELAY_MAX_MS`. */
  eventLoopDelay(): DependencyReport {
    const figures = this.eventLoop.read();
    return {
      state: figures.p99_ms > this.config.eventLoopDelayMaxMs ? 'degraded' : 'up',
      ...figures,
      threshold_ms: this.config.eventLoopDelayMaxMs,
    };
  }

  /** Version, uptime, CPU and memory of the process. */
  process(): DependencyReport {
    return {
      state: 'up',
      version: this.app.version,
      started_at: this.app.startedAt.toISOString(),
      uptime_seconds: Math.round((Date.now() - this.app.startedAt.getTime()) / 1000),
      node_version: process.version,
      pid: process.pid,
      cpu: this.cpu.read(),
      memory: readMemory(),
    };
  }
}

function overThreshold(used: number, threshold: number): DependencyReport {
  return { state: used > threshold ? 'down' : 'up', used_bytes: used, threshold_bytes: threshold };
}
