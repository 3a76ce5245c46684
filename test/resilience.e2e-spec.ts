import request from 'supertest';
import { CircuitBreakerRegistry } from '../src/resilience';
import { expectProblem } from './support/problem';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

const BASE = '/api/v1/resilience/circuit-breakers';

describe('Circuit breaker endpoints (e2e)', () => {
  let t: TestApp;
  let user: string;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({
      CB_TOOLS_FAILURE_THRESHOLD: '2',
      CB_TOOLS_RECOVERY_TIMEOUT_MS: '45000',
    });
    user = `Bearer ${await tokenFor('ivan')}`;
    admin = `Bearer ${await tokenFor('root', { roles: ['admin'] })}`;
  });
  afterAll(() => t.close());

  it('lists every breaker in the contract shape, configured from CB_<NAME>_*', async () => {
    const res = await request(t.server).get(BASE).set('Authorization', user).expect(200);
    expect(res.body.map((b: { name: string }) => b.name).sort()).toEqual([
      'database',
      'llm',
      'tools',
      'vector_search',
      'webhooks',
    ]);
    const tools = res.body.find((b: { name: string }) => b.name === 'tools');
    expect(tools).toMatchObject({
      name: 'tools',
      state: 'CLOSED',
      config: { failure_threshold: 2, recovery_timeout_ms: 45000, success_threshold: 2 },
      current_recovery_timeout_ms: 45000,
      metrics: {
        total_calls: 0,
        successful_calls: 0,
        failed_calls: 0,
        rejected_calls: 0,
        timeouts: 0,
      },
      last_failure_at: null,
      history: [],
    });
  });

  it('opens after the configured failures, and an admin reset closes it and zeroes the counts', async () => {
    const registry = t.app.get(CircuitBreakerRegistry);
    for (let i = 0; i < 2; i++) {
      await expect(
        registry.execute('tools', () =>
          Promise.reject(Object.assign(new Error('boom'), { status: 503 })),
        ),
      ).rejects.toThrow('boom');
    }
    const open = await request(t.server)
      .get(`${BASE}/tools`)
      .set('Authorization', user)
      .expect(200);
    expect(open.body.state).toBe('OPEN');
    expect(open.body.metrics.failed_calls).toBe(2);
    expect(open.body.history.at(-1)).toMatchObject({ from: 'CLOSED', to: 'OPEN' });

    const reset = await request(t.server)
      .post(`${BASE}/tools/reset`)
      .set('Authorization', admin)
      .expect(200);
    expect(reset.body.state).toBe('CLOSED');
    expect(reset.body.metrics.failed_calls).toBe(0);
  });

  it('isolates a breaker until reset, refusing calls meanwhile', async () => {
    const isolated = await request(t.server)
      .post(`${BASE}/llm/isolate`)
      .set('Authorization', admin)
      .expect(200);
    expect(isolated.body.state).toBe('OPEN');
    const registry = t.app.get(CircuitBreakerRegistry);
    await expect(registry.execute('llm', () => Promise.resolve(1))).rejects.toMatchObject({
      breakerName: 'llm',
    });
    const after = await request(t.server).get(`${BASE}/llm`).set('Authorization', user);
    expect(after.body.metrics.rejected_calls).toBe(1);
    await request(t.server).post(`${BASE}/llm/reset`).set('Authorization', admin).expect(200);
    await expect(registry.execute('llm', () => Promise.resolve(1))).resolves.toBe(1);
  });

  it('answers 403 to a non-admin reset or isolate, and changes nothing', async () => {
    for (const action of ['reset', 'isolate']) {
      const res = await request(t.server)
        .post(`${BASE}/database/${action}`)
        .set('Authorization', user);
      expectProblem(res, 403, 'forbidden');
    }
    const db = await request(t.server).get(`${BASE}/database`).set('Authorization', user);
    expect(db.body.state).toBe('CLOSED');
  });

  it('answers 401 without a token and 404 for an unknown breaker', async () => {
    expectProblem(await request(t.server).get(BASE), 401, 'unauthorized');
    const unknown = await request(t.server).get(`${BASE}/nope`).set('Authorization', user);
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/problem\+json/);
    const unknownReset = await request(t.server)
      .post(`${BASE}/nope/reset`)
      .set('Authorization', admin);
    expect(unknownReset.status).toBe(404);
  });
});
