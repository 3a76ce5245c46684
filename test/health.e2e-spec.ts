import { createServer, type Server } from 'node:http';
import { HealthCheckExecutor } from '@nestjs/terminus/dist/health-check/health-check-executor.service';
import request from 'supertest';
import { HealthContributorRegistry } from '../src/health';
import { LifecycleService } from '../src/lifecycle';
import { StreamRegistry, type StreamSlot } from '../src/streaming';
import { expectProblem } from './support/problem';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

const BREAKERS = '/api/v1/resilience/circuit-breakers';
const STREAM_PATHS = ['/health/stream', '/api/v1/health/stream'];

/** A tiny stand-in for an OpenAI-compatible server: counts `GET /v1/models`. */
async function startModelsServer(
  status = 200,
): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === '/v1/models') hits += 1;
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    hits: () => hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('Health endpoints (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let user: string;

  beforeAll(async () => {
    t = await startTestApp({ STREAM_MAX_CONNECTIONS: '2', HEALTH_CHECK_TIMEOUT_MS: '300' });
    admin = `Bearer ${await tokenFor('root', { roles: ['admin'] })}`;
    user = `Bearer ${await tokenFor('ivan')}`;
  });
  afterAll(() => t.close());

  describe('GET /health/ready', () => {
    it('is 200 on a healthy app, in Terminus shape, without a token', async () => {
      const res = await request(t.server).get('/health/ready').expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        status: 'ok',
        info: expect.any(Object),
        error: {},
        details: expect.any(Object),
      });
      expect(res.body.details).toEqual({
        database: { status: 'up', state: 'up', latency_ms: expect.any(Number), critical: true },
        migrations: { status: 'up', state: 'up', pending: false, critical: true },
        database_circuit: {
          status: 'up',
          state: 'up',
          circuit_state: 'CLOSED',
          critical: true,
        },
        lifecycle: { status: 'up', state: 'up', draining: false, critical: true },
      });
    });

    it('is 503 while the database breaker is isolated, and 200 again after a reset', async () => {
      await request(t.server)
        .post(`${BREAKERS}/database/isolate`)
        .set('Authorization', admin)
        .expect(200);
      try {
        const res = await request(t.server).get('/health/ready').expect(503);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body.status).toBe('error');
        expect(res.body.error).toEqual({
          database_circuit: expect.objectContaining({ status: 'down', circuit_state: 'OPEN' }),
        });
        expect(res.body.info.database.status).toBe('up');
        // Liveness checks nothing.
        await request(t.server).get('/health').expect(200);
      } finally {
        await request(t.server)
          .post(`${BREAKERS}/database/reset`)
          .set('Authorization', admin)
          .expect(200);
      }
      await request(t.server).get('/health/ready').expect(200);
    });

    it('is not gated by the LLM breaker', async () => {
      await request(t.server).post(`${BREAKERS}/llm/isolate`).set('Authorization', admin);
      try {
        await request(t.server).get('/health/ready').expect(200);
      } finally {
        await request(t.server).post(`${BREAKERS}/llm/reset`).set('Authorization', admin);
      }
    });
  });

  describe('GET /health/detailed', () => {
    it('needs a token (401) with the admin role (403) when auth is on', async () => {
      const anonymous = await request(t.server).get('/health/detailed');
      expectProblem(anonymous, 401, 'unauthorized');
      expect(anonymous.headers['www-authenticate']).toBe('Bearer');
      expectProblem(
        await request(t.server).get('/health/detailed').set('Authorization', 'Bearer nope'),
        401,
        'unauthorized',
      );
      expectProblem(
        await request(t.server).get('/health/detailed').set('Authorization', user),
        403,
        'forbidden',
      );
    });

    it('reports every indicator with its figures to an admin', async () => {
      const res = await request(t.server)
        .get('/health/detailed')
        .set('Authorization', admin)
        .expect(200);
      expect(res.body.status).toBe('ok');
      expect(res.body.error).toEqual({});
      const d = res.body.details;
      expect(Object.keys(d).sort()).toEqual([
        'circuit_breakers',
        'database',
        'disk',
        'event_loop',
        'lifecycle',
        'llm',
        'memory_heap',
        'memory_rss',
        'process',
        'streaming',
        'vector_search',
      ]);
      expect(d.database).toMatchObject({
        status: 'up',
        state: 'up',
        latency_ms: expect.any(Number),
        migrations_pending: false,
        circuit_state: 'CLOSED',
        critical: true,
      });
      expect(d.memory_heap).toMatchObject({
        status: 'up',
        used_bytes: expect.any(Number),
        threshold_bytes: 1024 * 1024 * 1024,
      });
      expect(d.memory_rss).toMatchObject({ status: 'up', threshold_bytes: 2048 * 1024 * 1024 });
      expect(d.disk).toMatchObject({
        status: 'up',
        path: expect.any(String),
        free_bytes: expect.any(Number),
        total_bytes: expect.any(Number),
        used_percent: expect.any(Number),
        threshold_percent: 95,
      });
      expect(d.event_loop).toMatchObject({
        status: 'up',
        p50_ms: expect.any(Number),
        p99_ms: expect.any(Number),
        max_ms: expect.any(Number),
        threshold_ms: 200,
        critical: false,
      });
      expect(Object.keys(d.circuit_breakers.breakers).sort()).toEqual([
        'database',
        'llm',
        'tools',
        'vector_search',
        'webhooks',
      ]);
      expect(d.circuit_breakers.breakers.llm).toMatchObject({
        state: 'CLOSED',
        next_attempt_at: null,
        total_calls: expect.any(Number),
        failed_calls: expect.any(Number),
      });
      expect(d.llm).toMatchObject({
        status: 'up',
        state: 'up',
        provider: 'local',
        circuit_state: 'CLOSED',
        critical: false,
      });
      // The knowledge module's indicator (mode pgvector where the server has the extension).
      expect(d.vector_search).toMatchObject({
        status: 'up',
        state: 'up',
        mode: expect.stringMatching(/^(pgvector|exact)$/),
        embeddings: 'local:local-hash-v1',
        circuit_state: 'CLOSED',
      });
      expect(d.streaming).toMatchObject({ active: 0, capacity: 2, draining: false });
      expect(d.process).toMatchObject({
        version: expect.stringMatching(/^\d+\.\d+\.\d+/),
        started_at: expect.any(String),
        uptime_seconds: expect.any(Number),
        cpu: { percent: expect.any(Number), user_seconds: expect.any(Number) },
        memory: { rss_bytes: expect.any(Number), heap_used_bytes: expect.any(Number) },
      });
    });

    it('shows an isolated LLM breaker as OPEN and the LLM as down, and still answers 200', async () => {
      await request(t.server).post(`${BREAKERS}/llm/isolate`).set('Authorization', admin);
      try {
        const res = await request(t.server)
          .get('/health/detailed')
          .set('Authorization', admin)
          .expect(200);
        expect(res.body.details.llm).toMatchObject({
          status: 'up',
          state: 'down',
          circuit_state: 'OPEN',
        });
        expect(res.body.details.circuit_breakers).toMatchObject({
          state: 'degraded',
          breakers: { llm: { state: 'OPEN' } },
        });
      } finally {
        await request(t.server).post(`${BREAKERS}/llm/reset`).set('Authorization', admin);
      }
    });

    it('answers within the indicator timeout when an indicator never resolves', async () => {
      const registry = t.app.get(HealthContributorRegistry);
      const removeHung = registry.register({
        key: 'hung_critical',
        critical: true,
        check: () => new Promise(() => undefined),
      });
      const removeSlow = registry.register({
        key: 'hung_optional',
        critical: false,
        check: () => new Promise(() => undefined),
      });
      try {
        const started = Date.now();
        const res = await request(t.server)
          .get('/health/detailed')
          .set('Authorization', admin)
          .expect(503);
        expect(Date.now() - started).toBeLessThan(5000);
        expect(res.body.status).toBe('error');
        expect(res.body.error).toEqual({
          hung_critical: {
            status: 'down',
            state: 'down',
            message: 'No answer within 300 ms',
            critical: true,
          },
        });
        // A hung optional indicator is reported, not fatal; the others still answered.
        expect(res.body.details.hung_optional).toMatchObject({ status: 'up', state: 'down' });
        expect(res.body.details.database.status).toBe('up');
      } finally {
        removeHung();
        removeSlow();
      }
      await request(t.server).get('/health/detailed').set('Authorization', admin).expect(200);
    });

    it('shows what a module registers, until it removes it', async () => {
      const registry = t.app.get(HealthContributorRegistry);
      const remove = registry.register({
        key: 'billing_api',
        critical: false,
        check: () => ({ state: 'degraded', mode: 'fallback' }),
      });
      const res = await request(t.server).get('/health/detailed').set('Authorization', admin);
      remove();
      expect(res.body.details.billing_api).toMatchObject({ state: 'degraded', mode: 'fallback' });
      const after = await request(t.server).get('/health/detailed').set('Authorization', admin);
      expect(after.body.details.billing_api).toBeUndefined();
      expect(after.body.details.vector_search.mode).toMatch(/^(pgvector|exact)$/);
    });
  });

  describe('GET /health/stream and /api/v1/health/stream', () => {
    it.each(STREAM_PATHS)('%s is 200 with the figures while there is room', async (path) => {
      const res = await request(t.server).get(path).expect(200);
      expect(res.body).toEqual({
        status: 'ok',
        info: {
          streaming: {
            status: 'up',
            state: 'up',
            active: 0,
            capacity: 2,
            available: 2,
            draining: false,
            critical: true,
          },
        },
        error: {},
        details: expect.any(Object),
      });
    });

    it('is 503 at both paths at capacity, and 200 once a stream ends', async () => {
      const registry = t.app.get(StreamRegistry);
      const slots = [registry.tryAcquire(), registry.tryAcquire()] as StreamSlot[];
      expect(slots.every(Boolean)).toBe(true);
      try {
        for (const path of STREAM_PATHS) {
          const res = await request(t.server).get(path).expect(503);
          expect(res.body.error.streaming).toMatchObject({
            status: 'down',
            active: 2,
            available: 0,
            message: expect.stringMatching(/capacity/),
          });
        }
      } finally {
        slots[0].release();
      }
      for (const path of STREAM_PATHS) await request(t.server).get(path).expect(200);
      slots[1].release();
    });

    it('serves only the stream check under the API prefix', async () => {
      await request(t.server).get('/api/v1/health/ready').expect(404);
    });
  });
});

describe('Health while draining (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('fails readiness and stream health at both paths, while liveness stays 200', async () => {
    await request(t.server).get('/health/ready').expect(200);
    void t.app.get(LifecycleService).startDraining();

    const ready = await request(t.server).get('/health/ready').expect(503);
    expect(ready.body.error.lifecycle).toMatchObject({
      status: 'down',
      draining: true,
      draining_since: expect.any(String),
    });
    for (const path of STREAM_PATHS) {
      const res = await request(t.server).get(path).expect(503);
      expect(res.body.error.streaming).toMatchObject({ draining: true });
    }
    const live = await request(t.server).get('/health').expect(200);
    expect(live.body.status).toBe('ok');
  });

  it('keeps liveness 200 once Terminus reports shutting_down (after SIGTERM)', async () => {
    // What app.close() does first: Terminus then answers every check 503 "shutting_down".
    t.app.get(HealthCheckExecutor).beforeApplicationShutdown();
    const ready = await request(t.server).get('/health/ready').expect(503);
    expect(ready.body.status).toBe('shutting_down');
    const stream = await request(t.server).get('/api/v1/health/stream').expect(503);
    expect(stream.body.status).toBe('shutting_down');
    await request(t.server).get('/health').expect(200);
  });
});

describe('Health detailed access and thresholds (e2e)', () => {
  it('is public with HEALTH_DETAILED_PUBLIC=true, and 503 when a critical threshold is passed', async () => {
    const t = await startTestApp({ HEALTH_DETAILED_PUBLIC: 'true', HEALTH_HEAP_MAX_MB: '16' });
    try {
      const res = await request(t.server).get('/health/detailed').expect(503);
      expect(res.body.status).toBe('error');
      expect(res.body.error.memory_heap).toMatchObject({
        status: 'down',
        threshold_bytes: 16 * 1024 * 1024,
      });
    } finally {
      await t.close();
    }
  });

  it('needs no token when auth is off (every caller is the admin user local)', async () => {
    const t = await startTestApp({ AUTH_JWT_SECRET: undefined });
    try {
      const res = await request(t.server).get('/health/detailed').expect(200);
      expect(res.body.status).toBe('ok');
    } finally {
      await t.close();
    }
  });
});

describe('Health of an OpenAI-compatible provider (e2e)', () => {
  it('probes GET /models, caches the answer, and never gates readiness', async () => {
    const models = await startModelsServer();
    const t = await startTestApp({
      AUTH_JWT_SECRET: undefined,
      LLM_PROVIDER: 'openai',
      OPENAI_BASE_URL: models.url,
      OPENAI_API_KEY: 'sk-test',
      HEALTH_LLM_CACHE_MS: '60000',
    });
    try {
      const first = await request(t.server).get('/health/detailed').expect(200);
      expect(first.body.details.llm).toMatchObject({
        state: 'up',
        provider: 'openai',
        probe: { state: 'up', http_status: 200, endpoint: `${models.url}/models`, cached: false },
      });
      const second = await request(t.server).get('/health/detailed').expect(200);
      expect(second.body.details.llm.probe.cached).toBe(true);
      expect(models.hits()).toBe(1);

      await models.close();
      await request(t.server).get('/health/ready').expect(200);
    } finally {
      await t.close();
    }
  });

  it('reports an unreachable provider as down without failing detailed health', async () => {
    const models = await startModelsServer();
    const url = models.url;
    await models.close(); // nothing listens there any more
    const t = await startTestApp({
      AUTH_JWT_SECRET: undefined,
      LLM_PROVIDER: 'openai',
      OPENAI_BASE_URL: url,
      OPENAI_API_KEY: 'sk-test',
    });
    try {
      const res = await request(t.server).get('/health/detailed').expect(200);
      expect(res.body.details.llm).toMatchObject({
        status: 'up',
        state: 'down',
        probe: { state: 'down', message: expect.stringMatching(/^Unreachable/) },
      });
      await request(t.server).get('/health/ready').expect(200);
    } finally {
      await t.close();
    }
  });

  it('reports rejected credentials as down', async () => {
    const models = await startModelsServer(401);
    const t = await startTestApp({
      AUTH_JWT_SECRET: undefined,
      LLM_PROVIDER: 'openai',
      OPENAI_BASE_URL: models.url,
      OPENAI_API_KEY: 'sk-wrong',
    });
    try {
      const res = await request(t.server).get('/health/detailed').expect(200);
      expect(res.body.details.llm).toMatchObject({
        state: 'down',
        probe: { http_status: 401, message: expect.stringMatching(/credentials/) },
      });
    } finally {
      await t.close();
      await models.close();
    }
  });
});
