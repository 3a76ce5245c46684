import { EndpointStatsWindow, OVERFLOW_ROUTE } from './endpoint-stats.window';

describe('EndpointStatsWindow', () => {
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('counts requests, errors and latency percentiles per method and route', () => {
    const window = new EndpointStatsWindow(60_000, 6, 100, clock);
    for (let i = 1; i <= 100; i++) window.record('GET', '/api/v1/things/:id', 200, i);
    window.record('GET', '/api/v1/things/:id', 503, 5);
    window.record('GET', '/api/v1/things/:id', 404, 5);
    window.record('POST', '/api/v1/things', 201, 10);
    now += 10_000;

    const [things, created] = window.snapshot();
    expect(things).toMatchObject({
      method: 'GET',
      route: '/api/v1/things/:id',
      requests: 102,
      errors: 1,
      client_errors: 1,
      status_classes: { '2xx': 100, '4xx': 1, '5xx': 1 },
    });
    expect(things.error_rate).toBeCloseTo(1 / 102, 3);
    expect(things.requests_per_second).toBeCloseTo(10.2, 1);
    expect(things.latency_ms.p50).toBeGreaterThan(40);
    expect(things.latency_ms.p50).toBeLessThan(60);
    expect(things.latency_ms.p99).toBeLessThanOrEqual(100);
    expect(things.latency_ms.max).toBe(100);
    expect(created).toMatchObject({ method: 'POST', route: '/api/v1/things', requests: 1 });
  });

  it('forgets requests older than the window, slice by slice', () => {
    const window = new EndpointStatsWindow(60_000, 6, 100, clock);
    window.record('GET', '/a', 200, 1);
    now += 30_000;
    window.record('GET', '/a', 500, 1);
    now += 35_000; // the first request is now 65 s old
    expect(window.snapshot()).toEqual([
      expect.objectContaining({ route: '/a', requests: 1, errors: 1, error_rate: 1 }),
    ]);
    now += 60_000;
    expect(window.snapshot()).toEqual([]);
  });

  it('reuses a slice when time comes round again, without leaking old counts', () => {
    const window = new EndpointStatsWindow(60_000, 6, 100, clock);
    window.record('GET', '/a', 200, 1);
    now += 60_000; // same ring position, next lap
    window.record('GET', '/a', 200, 1);
    expect(window.snapshot()[0].requests).toBe(1);
  });

  it('tracks at most maxEndpoints routes and sums the rest as <other>', () => {
    const window = new EndpointStatsWindow(60_000, 6, 2, clock);
    window.record('GET', '/a', 200, 1);
    window.record('GET', '/b', 200, 1);
    window.record('GET', '/c', 200, 1);
    window.record('GET', '/d', 200, 1);
    const routes = window.snapshot().map((s) => [s.route, s.requests]);
    expect(routes).toEqual([
      [OVERFLOW_ROUTE, 2],
      ['/a', 1],
      ['/b', 1],
    ]);
  });
});
