import { LatencyHistogram } from './latency-histogram';

/** One route's figures over the window. */
export interface EndpointStats {
  readonly method: string;
  readonly route: string;
  readonly requests: number;
  readonly requests_per_second: number;
  /** 5xx answers. */
  readonly errors: number;
  /** `errors / requests`, 0 to 1. */
  readonly error_rate: number;
  /** 4xx answers (refusals, not found, validation): the client's mistakes, not the server's. */
  readonly client_errors: number;
  readonly status_classes: Readonly<Record<'1xx' | '2xx' | '3xx' | '4xx' | '5xx', number>>;
  readonly latency_ms: {
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
  };
}

/** A route the window could not track separately (see `maxEndpoints`). */
export const OVERFLOW_ROUTE = '<other>';
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** One slice of time for one route. */
class Slot {
  epoch = -1;
  readonly latency = new LatencyHistogram();
  readonly statuses = [0, 0, 0, 0, 0];

  reset(epoch: number): void {
    this.epoch = epoch;
    this.latency.clear();
    this.statuses.fill(0);
  }
}

/**
 * Per-route request figures over a sliding window, in bounded memory: each route keeps a ring
 * of `slotCount` time slices with fixed-size latency histograms, and at most `maxEndpoints`
 * routes are tracked (the rest are summed as `<other>`). Old slices are reused, never kept.
 */
export class EndpointStatsWindow {
  private readonly slotMs: number;
  private readonly endpoints = new Map<string, { method: string; route: string; slots: Slot[] }>();
  private readonly createdAt: number;

  constructor(
    private readonly windowMs: number,
    private readonly slotCount = 30,
    private readonly maxEndpoints = 500,
    private readonly now: () => number = Date.now,
  ) {
    this.slotMs = Math.ceil(windowMs / slotCount);
    this.createdAt = now();
  }

  /** Records one finished request. */
  record(method: string, route: string, statusCode: number, durationMs: number): void {
    const epoch = Math.floor(this.now() / this.slotMs);
    const slots = this.slotsFor(method, route);
    const slot = slots[epoch % this.slotCount];
    if (slot.epoch !== epoch) slot.reset(epoch);
    slot.latency.record(durationMs);
    const statusClass = Math.min(4, Math.max(0, Math.floor(statusCode / 100) - 1));
    slot.statuses[statusClass] += 1;
  }

  /** Figures of every route seen in the window, busiest first. */
  snapshot(): EndpointStats[] {
    const now = this.now();
    const currentEpoch = Math.floor(now / this.slotMs);
    // Before a full window has passed, rates are over the time actually covered.
    const coveredSeconds = Math.max(1, Math.min(this.windowMs, now - this.createdAt) / 1000);
    const stats: EndpointStats[] = [];
    for (const { method, route, slots } of this.endpoints.values()) {
      const latency = new LatencyHistogram();
      const statuses = [0, 0, 0, 0, 0];
      for (const slot of slots) {
        if (slot.epoch < 0 || currentEpoch - slot.epoch >= this.slotCount) continue;
        latency.merge(slot.latency);
        slot.statuses.forEach((count, i) => (statuses[i] += count));
      }
      if (latency.count === 0) continue;
      const requests = latency.count;
      stats.push({
        method,
        route,
        requests,
        requests_per_second: round(requests / coveredSeconds, 3),
        errors: statuses[4],
        error_rate: round(statuses[4] / requests, 4),
        client_errors: statuses[3],
        status_classes: Object.fromEntries(
          STATUS_CLASSES.map((name, i) => [name, statuses[i]]),
        ) as EndpointStats['status_classes'],
        latency_ms: {
          p50: round(latency.percentile(50), 2),
          p95: round(latency.percentile(95), 2),
          p99: round(latency.percentile(99), 2),
          max: round(latency.max, 2),
        },
      });
    }
    return stats.sort((a, b) => b.requests - a.requests || a.route.localeCompare(b.route));
  }

  private slotsFor(method: string, route: string): Slot[] {
    const key = `${method} ${route}`;
    let endpoint = this.endpoints.get(key);
    if (!endpoint) {
      if (this.endpoints.size >= this.maxEndpoints && route !== OVERFLOW_ROUTE) {
        return this.slotsFor('*', OVERFLOW_ROUTE);
      }
      endpoint = {
        method,
        route,
        slots: Array.from({ length: this.slotCount }, () => new Slot()),
      };
      this.endpoints.set(key, endpoint);
    }
    return endpoint.slots;
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
