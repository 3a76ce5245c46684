import { LATENCY_BOUNDS_MS, LatencyHistogram } from './latency-histogram';

describe('LatencyHistogram', () => {
  it('covers 0.25 ms to past two minutes in a few dozen buckets', () => {
    expect(LATENCY_BOUNDS_MS[0]).toBe(0.25);
    expect(LATENCY_BOUNDS_MS.at(-1)).toBeGreaterThanOrEqual(120_000);
    expect(LATENCY_BOUNDS_MS.length).toBeLessThan(70);
  });

  it('answers 0 when empty', () => {
    const histogram = new LatencyHistogram();
    expect(histogram.percentile(50)).toBe(0);
    expect(histogram.count).toBe(0);
  });

  it('estimates percentiles within the bucket precision', () => {
    const histogram = new LatencyHistogram();
    for (let ms = 1; ms <= 1000; ms++) histogram.record(ms);
    expect(histogram.count).toBe(1000);
    expect(histogram.percentile(50)).toBeGreaterThan(500 * 0.85);
    expect(histogram.percentile(50)).toBeLessThan(500 * 1.15);
    expect(histogram.percentile(95)).toBeGreaterThan(950 * 0.85);
    expect(histogram.percentile(99)).toBeLessThanOrEqual(1000);
    expect(histogram.max).toBe(1000);
  });

  it('never reports more than the slowest latency, also past the last bound', () => {
    const histogram = new LatencyHistogram();
    histogram.record(10);
    expect(histogram.percentile(99)).toBeLessThanOrEqual(10);
    histogram.record(500_000);
    expect(histogram.percentile(100)).toBe(500_000);
  });

  it('merges counts and maxima, and clears', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    a.record(1);
    b.record(100);
    b.record(200);
    a.merge(b);
    expect(a.count).toBe(3);
    expect(a.max).toBe(200);
    expect(a.percentile(10)).toBeLessThan(1.25);
    a.clear();
    expect(a.count).toBe(0);
    expect(a.max).toBe(0);
  });
});
