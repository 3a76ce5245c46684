import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { expectProblem } from './support/problem';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

const ENDPOINTS = '/api/v1/monitoring/endpoints';

interface EndpointFigures {
  method: string;
  route: string;
  requests: number;
  errors: number;
  error_rate: number;
  client_errors: number;
  latency_ms: { p50: number; p95: number; p99: number; max: number };
}

describe('GET /api/v1/monitoring/endpoints (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let user: string;

  beforeAll(async () => {
    t = await startTestApp({ MONITORING_INTERVAL_MS: '100', MONITORING_WINDOW_MS: '60000' });
    admin = `Bearer ${await tokenFor('root', { roles: ['admin'] })}`;
    user = `Bearer ${await tokenFor('olga')}`;
  });
  afterAll(() => t.close());

  it('is for admins only', async () => {
    expectProblem(await request(t.server).get(ENDPOINTS), 401, 'unauthorized');
    expectProblem(
      await request(t.server).get(ENDPOINTS).set('Authorization', user),
      403,
      'forbidden',
    );
  });

  it('reports per-route counts, error rates and latency percentiles after traffic', async () => {
    for (let i = 0; i < 5; i++) {
      await request(t.server).get('/api/v1/conversations').set('Authorization', user).expect(200);
    }
    await request(t.server)
      .get(`/api/v1/conversations/${randomUUID()}`)
      .set('Authorization', user)
      .expect(404);
    // A 5xx: readiness while the database breaker is isolated.
    await request(t.server)
      .post('/api/v1/resilience/circuit-breakers/database/isolate')
      .set('Authorization', admin)
      .expect(200);
    await request(t.server).get('/health/ready').expect(503);
    await request(t.server).get('/health/ready').expect(503);
    await request(t.server)
      .post('/api/v1/resilience/circuit-breakers/database/reset')
      .set('Authorization', admin)
      .expect(200);
    await request(t.server).get('/health/ready').expect(200);

    const res = await request(t.server).get(ENDPOINTS).set('Authorization', admin).expect(200);
    expect(res.body).toMatchObject({
      enabled: true,
      window_seconds: 60,
      sampling_interval_ms: 100,
    });
    const byRoute = (method: string, route: string): EndpointFigures | undefined =>
      (res.body.endpoints as EndpointFigures[]).find(
        (e) => e.method === method && e.route === route,
      );

    const list = byRoute('GET', '/api/v1/conversations');
    expect(list).toMatchObject({ requests: 5, errors: 0, error_rate: 0, client_errors: 0 });
    expect(list!.latency_ms.p50).toBeGreaterThan(0);
    expect(list!.latency_ms.p50).toBeLessThanOrEqual(list!.latency_ms.p95);
    expect(list!.latency_ms.p95).toBeLessThanOrEqual(list!.latency_ms.p99);
    expect(list!.latency_ms.p99).toBeLessThanOrEqual(list!.latency_ms.max);

    expect(byRoute('GET', '/api/v1/conversations/:id')).toMatchObject({
      requests: 1,
      client_errors: 1,
      errors: 0,
    });
    const ready = byRoute('GET', '/health/ready');
    expect(ready).toMatchObject({ requests: 3, errors: 2 });
    expect(ready!.error_rate).toBeCloseTo(2 / 3, 3);
    // The raw id is never a route.
    expect(JSON.stringify(res.body.endpoints)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it('samples CPU, memory and event-loop delay every MONITORING_INTERVAL_MS', async () => {
    await new Promise((resolve) => setTimeout(resolve, 350));
    const res = await request(t.server).get(ENDPOINTS).set('Authorization', admin).expect(200);
    expect(res.body.system).toMatchObject({
      sampled_at: expect.any(String),
      cpu: { percent: expect.any(Number), user_seconds: expect.any(Number) },
      memory: { rss_bytes: expect.any(Number), heap_used_bytes: expect.any(Number) },
      event_loop_delay: { p50_ms: expect.any(Number), p99_ms: expect.any(Number) },
    });
    expect(Date.now() - Date.parse(res.body.system.sampled_at)).toBeLessThan(5000);
    expect(res.body.system_history.length).toBeGreaterThanOrEqual(3);
  });
});

describe('GET /api/v1/monitoring/endpoints with ENABLE_MONITORING=false (e2e)', () => {
  it('says monitoring is off and collects nothing', async () => {
    const t = await startTestApp({ ENABLE_MONITORING: 'false' });
    try {
      const admin = `Bearer ${await tokenFor('root', { roles: ['admin'] })}`;
      await request(t.server).get('/health').expect(200);
      const res = await request(t.server).get(ENDPOINTS).set('Authorization', admin).expect(200);
      expect(res.body).toMatchObject({
        enabled: false,
        system: null,
        system_history: [],
        endpoints: [],
      });
    } finally {
      await t.close();
    }
  });
});
