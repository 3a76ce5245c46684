import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** CPU time of this process and its share of one core over the measured period. */
export interface CpuFigures {
  readonly user_seconds: number;
  readonly system_seconds: number;
  /** Percent of one core since the previous read (since start on the first): may pass 100. */
  readonly percent: number;
}

/** Memory of this process, in bytes. */
export interface MemoryFigures {
  readonly rss_bytes: number;
  readonly heap_used_bytes: number;
  readonly heap_total_bytes: number;
  readonly external_bytes: number;
  readonly array_buffers_bytes: number;
}

/** Event-loop delay over the measured period, in ms. */
export interface EventLoopDelayFigures {
  readonly mean_ms: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
}

/** Measures CPU use between reads. */
export class CpuUsageMeter {
  // performance.now() counts from process start: the first period covers the whole run so far.
  private last = { usage: { user: 0, system: 0 }, at: 0 };

  /** CPU totals, and the share of one core used since the previous read. */
  read(): CpuFigures {
    const usage = process.cpuUsage();
    const at = performance.now();
    const usedMicros = usage.user - this.last.usage.user + (usage.system - this.last.usage.system);
    const elapsedMicros = Math.max(1, (at - this.last.at) * 1000);
    this.last = { usage, at };
    return {
      user_seconds: round(usage.user / 1e6, 3),
      system_seconds: round(usage.system / 1e6, 3),
      percent: round((usedMicros / elapsedMicros) * 100, 1),
    };
  }
}

/** The process's memory now. */
export function readMemory(): MemoryFigures {
  const memory = process.memoryUsage();
  return {
    rss_bytes: memory.rss,
    heap_used_bytes: memory.heapUsed,
    heap_total_bytes: memory.heapTotal,
    external_bytes: memory.external,
    array_buffers_bytes: memory.arrayBuffers,
  };
}

/**
 * Samples event-loop delay with `perf_hooks.monitorEventLoopDelay`. Each read covers the time
 * since the previous one; call {@link stop} when done, or the sampling timer keeps running.
 */
export class EventLoopDelayMeter {
  private readonly histogram: IntervalHistogram;

  /** @param resolutionMs sampling interval of the underlying timer */
  constructor(resolutionMs = 10) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.histogram.enable();
  }

  /** Figures since the previous read (zeros when nothing was sampled yet). */
  read(): EventLoopDelayFigures {
    const h = this.histogram;
    const empty = h.count === 0;
    const figures = {
      mean_ms: empty ? 0 : round(h.mean / 1e6, 2),
      p50_ms: empty ? 0 : round(h.percentile(50) / 1e6, 2),
      p99_ms: empty ? 0 : round(h.percentile(99) / 1e6, 2),
      max_ms: empty ? 0 : round(h.max / 1e6, 2),
    };
    h.reset();
    return figures;
  }

  /** Stops sampling. */
  stop(): void {
    this.histogram.disable();
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
