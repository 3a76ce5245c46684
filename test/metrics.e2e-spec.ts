import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { LlmMetrics, StreamMetrics } from '../src/metrics';
import { CircuitBreakerRegistry } from '../src/resilience';
import { StreamRegistry } from '../src/streaming';
import { promtoolCheckMetrics } from './support/promtool';
import { openStream } from './support/stream-client';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { sample } from './support/prometheus-sample';
import { createConversation } from './support/conversations';

/** A message whose local-model answer streams for seconds (one word per LOCAL_MODEL_TOKEN_DELAY_MS). */
const LONG = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');

async function scrape(t: TestApp): Promise<string> {
  const res = await request(t.server).get('/metrics').expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain;/);
  expect(res.headers['content-type']).toMatch(/version=0\.0\.4/);
  return res.text;
}

describe('GET /metrics (e2e), two apps in one process', () => {
  let a: TestApp;
  let b: TestApp;
  let userToken: string;
  let user: string;
  let admin: string;

  beforeAll(async () => {
    // Both boot the same AppModule in this process: default metrics and every custom metric
    // must not be registered twice.
    a = await startTestApp({ STREAM_MAX_CONNECTIONS: '1' });
    b = await startTestApp({ DB_POOL_SIZE: '3' });
    userToken = await tokenFor('metrics-user');
    user = `Bearer ${userToken}`;
    admin = `Bearer ${await tokenFor('root', { roles: ['admin'] })}`;
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('both apps scrape, publicly, with process and Node.js default metrics', async () => {
    for (const t of [a, b]) {
      const text = await scrape(t);
      expect(text).toContain('# TYPE agent_server_process_cpu_user_seconds_total counter');
      expect(text).toContain('# TYPE agent_server_nodejs_heap_size_used_bytes gauge');
      expect(text).toContain('# TYPE agent_server_http_request_duration_seconds histogram');
    }
  });

  it('names every series with the METRICS_PREFIX default, agent_server_', async () => {
    const names = [...(await scrape(a)).matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(30);
    expect(names.filter((name) => !name.startsWith('agent_server_'))).toEqual([]);
  });

  it('counts runs by outcome, with their duration and tokens, and passes promtool check metrics', async () => {
    const newConversation = () => createConversation(a.server, userToken);
    const ask = async (content: string) =>
      request(a.server)
        .post(`/api/v1/conversations/${await newConversation()}/messages`)
        .set('Authorization', user)
        .send({ content })
        .expect(201);
    const finished = (text: string, outcome: string, reason: string) =>
      sample(text, 'agent_server_runs_finished_total', { outcome, reason }) ?? 0;
    // One run of each outcome the issue names; the failure is counted under its error code.
    const outcomes = [
      ['completed', 'stop'],
      ['cancelled', 'cancelled'],
      ['degraded', 'stop'],
      ['failed', 'llm_unavailable'],
    ] as const;
    const before = await scrape(a);
    await ask('metrics for a run');

    // Cancelled: POST .../cancel while a long answer streams (one word per 15 ms, for seconds).
    const streamed = await newConversation();
    let cancelled: Promise<Response> | undefined;
    const cancelledRun = await openStream(a.baseUrl, {
      path: `/api/v1/conversations/${streamed}/stream`,
      token: userToken,
      body: { content: LONG },
      onChunk: (_, soFar) => {
        if (!cancelled && (soFar.match(/^id: /gm) ?? []).length >= 2) {
          cancelled = fetch(`${a.baseUrl}/api/v1/conversations/${streamed}/cancel`, {
            method: 'POST',
            headers: { Authorization: user },
          });
        }
      },
    });
    expect((await cancelled)?.status).toBe(202);
    expect(cancelledRun.events.at(-1)).toMatchObject({
      type: 'complete_state',
      finish_reason: 'cancelled',
    });

    // With the llm circuit open, the same question is answered from the cache: degraded. A new
    // question in a background run (which, unlike POST .../messages, is not refused up front)
    // fails with llm_unavailable.
    await request(a.server)
      .post('/api/v1/resilience/circuit-breakers/llm/isolate')
      .set('Authorization', admin)
      .expect(200);
    try {
      await ask('metrics for a run');
      const started = await request(a.server)
        .post(`/api/v1/conversations/${await newConversation()}/runs`)
        .set('Authorization', user)
        .send({ content: 'a question nobody asked before' })
        .expect(202);
      const failed = await waitFor(async () => {
        const run = await request(a.server)
          .get(started.headers.location)
          .set('Authorization', user)
          .expect(200);
        return run.body.status === 'running' ? undefined : (run.body as Record<string, unknown>);
      });
      expect(failed).toMatchObject({ status: 'failed', error: { code: 'llm_unavailable' } });
    } finally {
      await request(a.server)
        .post('/api/v1/resilience/circuit-breakers/llm/reset')
        .set('Authorization', admin)
        .expect(200);
    }

    // A run is counted right after its end is stored, which clients may see a moment earlier.
    // Past the deadline, the last scrape: the checks below then say which outcome is missing.
    const text = await waitFor(async () => {
      const now = await scrape(a);
      return outcomes.every(([o, r]) => finished(now, o, r) > finished(before, o, r))
        ? now
        : undefined;
    }, 10_000).catch(() => scrape(a));
    for (const [outcome, reason] of outcomes) {
      expect({ outcome, reason, count: finished(text, outcome, reason) }).toEqual({
        outcome,
        reason,
        count: finished(before, outcome, reason) + 1,
      });
      expect(
        sample(text, 'agent_server_run_duration_seconds_count', { outcome }),
      ).toBeGreaterThanOrEqual(1);
    }
    expect(
      sample(text, 'agent_server_run_tokens_bucket', { direction: 'output', le: '+Inf' }),
    ).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'agent_server_run_tokens_sum', { direction: 'output' })).toBeGreaterThan(0);
    expect(sample(text, 'agent_server_runs_active')).toBe(0);

    const check = promtoolCheckMetrics(text);
    expect(check.output).toBe('');
    expect(check.ok).toBe(true);
  });

  it('records requests by route template, counting 404s and 401s, never the raw URL', async () => {
    const id = randomUUID();
    await request(a.server).get('/api/v1/conversations').set('Authorization', user).expect(200);
    await request(a.server)
      .get(`/api/v1/conversations/${id}`)
      .set('Authorization', user)
      .expect(404);
    await request(a.server).get('/api/v1/conversations').expect(401);
    await request(a.server).get(`/api/v1/no-such-route/${id}`).expect(404);
    await request(a.server).get('/no-such-page').expect(404);

    const text = await scrape(a);
    const count = (route: string, status: string) =>
      sample(text, 'agent_server_http_request_duration_seconds_count', {
        method: 'GET',
        route,
        status_code: status,
      });
    expect(count('/api/v1/conversations', '200')).toBeGreaterThanOrEqual(1);
    expect(count('/api/v1/conversations', '401')).toBeGreaterThanOrEqual(1);
    expect(count('/api/v1/conversations/:id', '404')).toBeGreaterThanOrEqual(1);
    expect(count('<unmatched>', '404')).toBeGreaterThanOrEqual(2);
    expect(count('/health', '200')).toBeUndefined();
    expect(text).not.toContain(id);
    expect(text).not.toContain('no-such-page');
    expect(
      sample(text, 'agent_server_http_request_duration_seconds_bucket', {
        route: '/api/v1/conversations',
        status_code: '200',
        le: '+Inf',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('labels the prefixed stream health route with its path, not its escaped declaration', async () => {
    await request(a.server).get('/api/v1/health/stream').expect(200);
    const text = await scrape(a);
    expect(
      sample(text, 'agent_server_http_request_duration_seconds_count', {
        route: '/api/v1/health/stream',
        status_code: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('exports breaker state, calls by outcome and transitions, read per app at scrape time', async () => {
    const registry = a.app.get(CircuitBreakerRegistry);
    await registry.execute('tools', () => 'ok');
    await request(a.server)
      .post('/api/v1/resilience/circuit-breakers/llm/isolate')
      .set('Authorization', admin)
      .expect(200);
    await expect(registry.execute('llm', () => 'never')).rejects.toThrow();
    try {
      const text = await scrape(a);
      expect(sample(text, 'agent_server_circuit_breaker_state', { breaker: 'llm' })).toBe(2);
      expect(sample(text, 'agent_server_circuit_breaker_state', { breaker: 'tools' })).toBe(0);
      expect(
        sample(text, 'agent_server_circuit_breaker_calls_total', {
          breaker: 'tools',
          outcome: 'success',
        }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sample(text, 'agent_server_circuit_breaker_calls_total', {
          breaker: 'llm',
          outcome: 'rejected',
        }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sample(text, 'agent_server_circuit_breaker_transitions_total', {
          breaker: 'llm',
          from: 'CLOSED',
          to: 'OPEN',
        }),
      ).toBeGreaterThanOrEqual(1);

      // The other app's breaker is closed: its scrape says so.
      expect(
        sample(await scrape(b), 'agent_server_circuit_breaker_state', { breaker: 'llm' }),
      ).toBe(0);
    } finally {
      await request(a.server)
        .post('/api/v1/resilience/circuit-breakers/llm/reset')
        .set('Authorization', admin);
    }
  });

  it('exports the database pool of the app that is scraped', async () => {
    await request(a.server).get('/health/ready').expect(200);
    const textA = await scrape(a);
    expect(sample(textA, 'agent_server_db_pool_max_connections')).toBe(4);
    expect(
      sample(textA, 'agent_server_db_pool_connections', { state: 'idle' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(textA, 'agent_server_db_pool_connections', { state: 'in_use' }),
    ).toBeGreaterThanOrEqual(0);
    expect(sample(textA, 'agent_server_db_pool_waiting_clients')).toBe(0);
    expect(sample(await scrape(b), 'agent_server_db_pool_max_connections')).toBe(3);
  });

  it('exports stream metrics from StreamMetrics and the stream registry', async () => {
    const before = await scrape(a);
    const startedBefore = sample(before, 'agent_server_streams_started_total') ?? 0;

    const stream = a.app.get(StreamMetrics).streamStarted();
    stream.event('message_chunk');
    stream.event('message_chunk');
    stream.tokens(7);
    stream.completed('completed');
    stream.completed('completed'); // counted once

    const registry = a.app.get(StreamRegistry);
    const slot = registry.tryAcquire();
    expect(registry.tryAcquire()).toBeUndefined(); // STREAM_MAX_CONNECTIONS=1: refused
    try {
      const text = await scrape(a);
      expect(sample(text, 'agent_server_streams_started_total')).toBe(startedBefore + 1);
      expect(
        sample(text, 'agent_server_streams_completed_total', { outcome: 'completed' }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sample(text, 'agent_server_stream_events_total', { type: 'message_chunk' }),
      ).toBeGreaterThanOrEqual(2);
      expect(sample(text, 'agent_server_stream_tokens_total')).toBeGreaterThanOrEqual(7);
      expect(sample(text, 'agent_server_stream_first_event_seconds_count')).toBeGreaterThanOrEqual(
        1,
      );
      // Buckets go well past 10 s.
      expect(
        sample(text, 'agent_server_stream_first_event_seconds_bucket', { le: '120' }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sample(text, 'agent_server_stream_duration_seconds_bucket', {
          le: '1800',
          outcome: 'completed',
        }),
      ).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'agent_server_streams_active')).toBe(1);
      expect(sample(text, 'agent_server_streams_rejected_total')).toBeGreaterThanOrEqual(1);
    } finally {
      slot?.release();
    }
    expect(sample(await scrape(a), 'agent_server_streams_active')).toBe(0);
  });

  it('exports LLM call durations (buckets to 120 s), tokens by direction and errors by kind', async () => {
    const labels = { provider: 'local', outcome: 'success' };
    // Runs of earlier tests made real (fast) calls: compare with the figures before this one.
    const bucket = (text: string, le: string) =>
      sample(text, 'agent_server_llm_call_duration_seconds_bucket', { ...labels, le }) ?? 0;
    const before = await scrape(a);
    const llm = a.app.get(LlmMetrics);
    llm.observeCall(15_000, 'success');
    llm.tokens('input', 12);
    llm.tokens('output', 34);
    llm.error('timeout');

    const text = await scrape(a);
    expect(bucket(text, '10')).toBe(bucket(before, '10'));
    expect(bucket(text, '20')).toBe(bucket(before, '20') + 1);
    expect(
      sample(text, 'agent_server_llm_call_duration_seconds_bucket', { ...labels, le: '120' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'agent_server_llm_tokens_total', { provider: 'local', direction: 'input' }),
    ).toBeGreaterThanOrEqual(12);
    expect(
      sample(text, 'agent_server_llm_tokens_total', { provider: 'local', direction: 'output' }),
    ).toBeGreaterThanOrEqual(34);
    expect(
      sample(text, 'agent_server_llm_errors_total', { provider: 'local', kind: 'timeout' }),
    ).toBeGreaterThanOrEqual(1);
  });
});

describe('GET /metrics (e2e), an app booted after others were closed', () => {
  it('still scrapes with the default metrics', async () => {
    const t = await startTestApp();
    try {
      const text = await scrape(t);
      expect(text).toContain('agent_server_process_resident_memory_bytes');
      expect(text).toContain('agent_server_http_request_duration_seconds');
    } finally {
      await t.close();
    }
  });
});

describe('GET /metrics (e2e), METRICS_PREFIX set', () => {
  it('names the app and process series with the configured prefix', async () => {
    const t = await startTestApp({ METRICS_PREFIX: 'other_svc' });
    try {
      await request(t.server).get('/api/v1/conversations').expect(401);
      const text = await scrape(t);
      expect(text).toContain('# TYPE other_svc_process_cpu_user_seconds_total counter');
      expect(text).toContain('# TYPE other_svc_http_request_duration_seconds histogram');
      expect(text).toContain('# TYPE other_svc_runs_finished_total counter');
    } finally {
      await t.close();
    }
  });
});
