import request from 'supertest';
import { FakeOpenAIServer } from './support/fake-openai-server';
import { expectProblem } from './support/problem';
import { openStream } from './support/stream-client';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const LONG = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');

/** Waits until the conversation's latest run has ended (its stored events say `done`). */
async function runEnded(t: TestApp, auth: string, id: string): Promise<void> {
  await waitFor(async () => {
    const polled = await request(t.server)
      .get(`/api/v1/conversations/${id}/events`)
      .set('Authorization', auth);
    return polled.body.done === true ? true : undefined;
  });
}

async function newConversation(t: TestApp, auth: string): Promise<string> {
  const created = await request(t.server)
    .post('/api/v1/conversations')
    .set('Authorization', auth)
    .send({});
  return created.body.id as string;
}

describe('Runs under greedy users and bursts (e2e)', () => {
  let t: TestApp;
  let token: string;
  let auth: string;

  beforeAll(async () => {
    t = await startTestApp({
      LOCAL_MODEL_TOKEN_DELAY_MS: '20',
      RUNS_MAX_ACTIVE_PER_USER: '2',
      STREAM_MAX_PER_USER: '3',
      RATE_LIMIT_MAX: '0',
    });
    token = await tokenFor('greedy');
    auth = `Bearer ${token}`;
  });
  afterAll(() => t.close());

  it('refuses a user more runs than RUNS_MAX_ACTIVE_PER_USER (429), and nobody else', async () => {
    const ids = await Promise.all([1, 2, 3].map(() => newConversation(t, auth)));
    const streams = ids.slice(0, 2).map((id) =>
      openStream(t.baseUrl, {
        path: `/api/v1/conversations/${id}/stream`,
        token,
        body: { content: LONG },
        onChunk: (_, soFar) => soFar.includes('event: message_chunk'),
      }),
    );
    await Promise.all(streams);
    const third = await request(t.server)
      .post(`/api/v1/conversations/${ids[2]}/messages`)
      .set('Authorization', auth)
      .send({ content: 'one more' });
    expectProblem(third, 429, 'rate_limited');
    expect(Number(third.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Nothing was stored for the refused run.
    const stored = await request(t.server)
      .get(`/api/v1/conversations/${ids[2]}/messages`)
      .set('Authorization', auth);
    expect(stored.body.items).toEqual([]);

    const other = `Bearer ${await tokenFor('patient')}`;
    const theirs = await request(t.server)
      .post(`/api/v1/conversations/${await newConversation(t, other)}/messages`)
      .set('Authorization', other)
      .send({ content: 'hello' });
    expect(theirs.status).toBe(201);
    for (const id of ids.slice(0, 2)) {
      await request(t.server).post(`/api/v1/conversations/${id}/cancel`).set('Authorization', auth);
    }
    // Cancel answers 202 at once; the runs end a moment later (later still on a busy machine). The
    // next test needs this user's run slots free again.
    for (const id of ids.slice(0, 2)) await runEnded(t, auth, id);
  });

  it('refuses a user more open streams than STREAM_MAX_PER_USER (429), and nobody else', async () => {
    const id = await newConversation(t, auth);
    const controller = new AbortController();
    // The stream that starts the run, and two followers of it: three open streams.
    const starter = await fetch(`${t.baseUrl}/api/v1/conversations/${id}/stream`, {
      method: 'POST',
      headers: { Authorization: auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ content: LONG }),
      signal: controller.signal,
    });
    expect(starter.status).toBe(200);
    const reader = starter.body!.getReader();
    let first = '';
    while (!first.includes('event: message_chunk')) {
      first += new TextDecoder().decode((await reader.read()).value);
    }
    const runId = /id: ([0-9a-f-]+):1/.exec(first)![1];
    const followers = await Promise.all(
      [1, 2].map(() =>
        fetch(`${t.baseUrl}/api/v1/conversations/${id}/stream`, {
          headers: { Authorization: auth, 'Last-Event-ID': `${runId}:1` },
          signal: controller.signal,
        }),
      ),
    );
    expect(followers.map((r) => r.status)).toEqual([200, 200]);
    const fourth = await request(t.server)
      .get(`/api/v1/conversations/${id}/stream`)
      .set('Authorization', auth)
      .set('Last-Event-ID', `${runId}:1`);
    expectProblem(fourth, 429, 'rate_limited');
    expect(Number(fourth.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    const otherToken = await tokenFor('patient-reader');
    const otherAuth = `Bearer ${otherToken}`;
    const theirs = await openStream(t.baseUrl, {
      path: `/api/v1/conversations/${await newConversation(t, otherAuth)}/stream`,
      token: otherToken,
      body: { content: 'hi' },
    });
    expect(theirs.status).toBe(200);
    controller.abort();
    await request(t.server).post(`/api/v1/conversations/${id}/cancel`).set('Authorization', auth);
    await runEnded(t, auth, id);
  });

  it('gives two requests with the same Idempotency-Key at the same moment the same run', async () => {
    const id = await newConversation(t, auth);
    const [first, second] = await Promise.all(
      [1, 2].map(() =>
        request(t.server)
          .post(`/api/v1/conversations/${id}/messages`)
          .set('Authorization', auth)
          .set('Idempotency-Key', 'same-moment')
          .send({ content: 'twice at once' }),
      ),
    );
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.assistant_message.id).toBe(first.body.assistant_message.id);
    const stored = await request(t.server)
      .get(`/api/v1/conversations/${id}/messages`)
      .set('Authorization', auth);
    expect(stored.body.items).toHaveLength(2);

    const reused = await request(t.server)
      .post(`/api/v1/conversations/${id}/messages`)
      .set('Authorization', auth)
      .set('Idempotency-Key', 'same-moment')
      .send({ content: 'another message' });
    expectProblem(reused, 422, 'idempotency_key_reused');
  });
});

describe('A burst of runs (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      LOCAL_MODEL_TOKEN_DELAY_MS: '0',
      RUNS_START_CONCURRENCY: '2',
      RUNS_MAX_ACTIVE_PER_USER: '1000',
      STREAM_MAX_PER_USER: '1000',
      RATE_LIMIT_MAX: '0',
      DB_POOL_SIZE: '3',
      CB_DATABASE_CALL_TIMEOUT_MS: '2000',
    });
  });
  afterAll(() => t.close());

  it('queues or refuses fast, never 5xx from the database; every accepted run completes', async () => {
    const token = await tokenFor('burst');
    const auth = `Bearer ${token}`;
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) ids.push(await newConversation(t, auth));
    const results = await Promise.all(
      ids.map((id, i) =>
        openStream(t.baseUrl, {
          path: `/api/v1/conversations/${id}/stream`,
          token,
          body: { content: `burst number ${i}` },
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    for (const result of results.filter((r) => r.status === 200)) {
      expect(result.events.at(-1)?.type).toBe('complete_state');
    }
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    const breaker = await request(t.server)
      .get('/api/v1/resilience/circuit-breakers/database')
      .set('Authorization', auth);
    expect(breaker.body.state).toBe('CLOSED');
    expect(breaker.body.metrics.timeouts).toBe(0);
  }, 120_000);
});

describe('Model output PostgreSQL cannot store, and model timeouts (e2e)', () => {
  let fake: FakeOpenAIServer;
  let t: TestApp;
  let token: string;
  let auth: string;

  beforeAll(async () => {
    fake = await FakeOpenAIServer.start();
    t = await startTestApp({
      LLM_PROVIDER: 'openai',
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_API_KEY: 'sk-test',
      LLM_TIMEOUT_MS: '10000',
      CB_LLM_CALL_TIMEOUT_MS: '2000',
      CB_LLM_FAILURE_THRESHOLD: '100',
      // Titles are a model call of their own; this file scripts every call.
      LLM_TITLES: 'false',
    });
    token = await tokenFor('odd-output');
    auth = `Bearer ${token}`;
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it('stores a lone surrogate or NUL from the model as U+FFFD, with one terminal event', async () => {
    fake.enqueue({ steps: [{ text: 'broken \ud800 pair ' }, { text: 'and a \u0000 nul' }] });
    const id = await newConversation(t, auth);
    const streamed = await openStream(t.baseUrl, {
      path: `/api/v1/conversations/${id}/stream`,
      token,
      body: { content: 'say something odd' },
    });
    const terminal = streamed.events.at(-1);
    expect(terminal).toMatchObject({ type: 'complete_state', finish_reason: 'stop' });
    expect(terminal?.message).toBe('broken \ufffd pair and a \ufffd nul');
    expect(
      streamed.events.filter((e) => e.type === 'complete_state' || e.type === 'error'),
    ).toHaveLength(1);
    const polled = await request(t.server)
      .get(`/api/v1/conversations/${id}/events`)
      .set('Authorization', auth);
    expect(polled.body).toEqual({ events: streamed.events, done: true });
  });

  it('answers a model call that outlives the llm breaker timeout with llm_timeout (504)', async () => {
    fake.enqueue({ headersDelayMs: 5000, steps: [{ text: 'too late' }] });
    const answer = await request(t.server)
      .post(`/api/v1/conversations/${await newConversation(t, auth)}/messages`)
      .set('Authorization', auth)
      .send({ content: 'take your time' });
    expectProblem(answer, 504, 'llm_timeout');
  });

  it('counts a run refused by the open llm circuit in its rejected calls', async () => {
    const admin = `Bearer ${await tokenFor('ops', { roles: ['admin'] })}`;
    const llm = async () =>
      (
        await request(t.server)
          .get('/api/v1/resilience/circuit-breakers/llm')
          .set('Authorization', auth)
      ).body as { metrics: { rejected_calls: number } };
    await request(t.server)
      .post('/api/v1/resilience/circuit-breakers/llm/isolate')
      .set('Authorization', admin)
      .expect(200);
    try {
      const before = (await llm()).metrics.rejected_calls;
      const streamed = await openStream(t.baseUrl, {
        path: `/api/v1/conversations/${await newConversation(t, auth)}/stream`,
        token,
        body: { content: 'anyone there?' },
      });
      expect(streamed.events.at(-1)).toMatchObject({ type: 'error', code: 'llm_unavailable' });
      const refused = await request(t.server)
        .post(`/api/v1/conversations/${await newConversation(t, auth)}/messages`)
        .set('Authorization', auth)
        .send({ content: 'and now?' });
      expectProblem(refused, 503, 'llm_unavailable');
      expect((await llm()).metrics.rejected_calls).toBe(before + 2);
      expect(fake.requests).toHaveLength(0);
    } finally {
      await request(t.server)
        .post('/api/v1/resilience/circuit-breakers/llm/reset')
        .set('Authorization', admin)
        .expect(200);
    }
  });
});
