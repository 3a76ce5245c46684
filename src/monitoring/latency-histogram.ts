// Log-spaced bucket bounds: each 25% above the previous, from 0.25 ms to past 120 s, so any
// percentile is within about 12% of the truth in fixed, small memory.
const GROWTH = 1.25;
const FIRST_BOUND_MS = 0.25;
const LAST_BOUND_MS = 120_000;

/** Upper bounds (ms) of the buckets; a last, open bucket holds anything slower. */
export const LATENCY_BOUNDS_MS: readonly number[] = (() => {
  const bounds: number[] = [];
  for (let bound = FIRST_BOUND_MS; bound < LAST_BOUND_MS * GROWTH; bound *= GROWTH) {
    bounds.push(bound);
  }
  return bounds;
})();

/** Latencies in fixed log-spaced buckets: bounded memory, mergeable, approximate percentiles. */
export class LatencyHistogram {
  private readonly counts = new Uint32Array(LATENCY_BOUNDS_MS.length + 1);
  private total = 0;
  private maxMs = 0;

  /** Number of latencies recorded. */
  get count(): number {
    return this.total;
  }

  /** The slowest latency recorded, exactly. */
  get max(): number {
    return this.maxMs;
  }

  /** Records one latency in ms. */
  record(ms: number): void {
    this.counts[bucketOf(ms)] += 1;
    this.total += 1;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** Adds another histogram's counts to this one. */
  merge(other: LatencyHistogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
    this.total += other.total;
    if (other.maxMs > this.maxMs) this.maxMs = other.maxMs;
  }

  /** Forgets everything. */
  clear(): void {
    this.counts.fill(0);
    this.total = 0;
    this.maxMs = 0;
  }

  /**
   * The latency under which `p` percent of the recorded ones fall, interpolated within its
   * bucket and never above the recorded maximum; 0 when empty.
   */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const inBucket = this.counts[i];
      if (seen + inBucket >= rank) {
        const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1];
        const upper = i < LATENCY_BOUNDS_MS.length ? LATENCY_BOUNDS_MS[i] : this.maxMs;
        const estimate = lower + ((upper - lower) * (rank - seen)) / inBucket;
        return Math.min(estimate, this.maxMs);
      }
      seen += inBucket;
    }
    return this.maxMs;
  }
}

function bucketOf(ms: number): number {
  if (ms <= FIRST_BOUND_MS) return 0;
  const index = Math.ceil(Math.log(ms / FIRST_BOUND_MS) / Math.log(GROWTH) - 1e-9);
  return Math.min(index, LATENCY_BOUNDS_MS.length);
}
