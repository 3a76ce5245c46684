import request from 'supertest';
import {
  FakeOpenAIServer,
  textResponse,
  toolCallResponse,
  type FakeChatCompletionsBody,
} from './support/fake-openai-server';
import { expectProblem } from './support/problem';
import { openStream } from './support/stream-client';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

/**
 * The service against an OpenAI-compatible server that fails on demand (the real ChatOpenAI
 * client talks to a local fake): the llm circuit opens, later runs are refused without reaching
 * the provider, cached answers are served degraded, and the circuit recovers by itself.
 */
describe('LLM failures and the llm circuit (e2e)', () => {
  let fake: FakeOpenAIServer;
  let t: TestApp;
  let token: string;
  let auth: string;
  let admin: string;

  beforeAll(async () => {
    fake = await FakeOpenAIServer.start();
    t = await startTestApp({
      LLM_PROVIDER: 'openai',
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_API_KEY: 'sk-test',
      LLM_MODEL: 'gpt-test',
      LLM_TIMEOUT_MS: '1000',
      CB_LLM_FAILURE_THRESHOLD: '2',
      // Long enough that a busy machine does not reach half-open before the test looks.
      CB_LLM_RECOVERY_TIMEOUT_MS: '3000',
      CB_LLM_SUCCESS_THRESHOLD: '2',
      // Titles are a model call of their own; this file scripts every call.
      LLM_TITLES: 'false',
    });
    token = await tokenFor('resilient');
    auth = `Bearer ${token}`;
    admin = `Bearer ${await tokenFor('ops', { roles: ['admin'] })}`;
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  beforeEach(async () => {
    fake.reset();
    await request(t.server)
      .post('/api/v1/resilience/circuit-breakers/llm/reset')
      .set('Authorization', admin)
      .expect(200);
  });

  const newConversation = async () =>
    (await request(t.server).post('/api/v1/conversations').set('Authorization', auth).send({})).body
      .id as string;
  const ask = async (content: string) =>
    request(t.server)
      .post(`/api/v1/conversations/${await newConversation()}/messages`)
      .set('Authorization', auth)
      .send({ content });
  const breaker = async () =>
    (
      await request(t.server)
        .get('/api/v1/resilience/circuit-breakers/llm')
        .set('Authorization', auth)
    ).body;

  it('opens on provider failures, refuses fast, answers degraded from the cache, and recovers', async () => {
    // A good answer, which the cache keeps.
    fake.enqueue(textResponse('Paris is the capital of France.'));
    const good = await ask('What is the capital of France?');
    expect(good.status).toBe(201);
    expect(good.body.assistant_message.content).toBe('Paris is the capital of France.');
    expect(good.body.usage.estimated).toBe(false);

    // Two provider failures (5xx) open the circuit (threshold 2): a 502 each.
    fake.enqueue({ status: 500 }, { status: 500 });
    for (const question of ['first failing question', 'second failing question']) {
      const failed = await ask(question);
      expectProblem(failed, 502, 'llm_error');
    }
    const open = await breaker();
    expect(open.state).toBe('OPEN');
    expect(open.metrics.failed_calls).toBe(2);
    const reached = fake.requests.length;

    // Open: a question nobody asked before is refused at once, without reaching the provider.
    const refused = await ask('a brand new question');
    expectProblem(refused, 503, 'llm_unavailable');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const streamed = await openStream(t.baseUrl, {
      path: `/api/v1/conversations/${await newConversation()}/stream`,
      token,
      body: { content: 'another brand new question' },
    });
    expect(streamed.events).toEqual([
      expect.objectContaining({
        type: 'error',
        code: 'llm_unavailable',
        retryable: true,
        retry_after_ms: expect.any(Number),
      }),
    ]);

    // The same question as before (case and punctuation aside) is answered from the cache.
    const degraded = await openStream(t.baseUrl, {
      path: `/api/v1/conversations/${await newConversation()}/stream`,
      token,
      body: { content: 'what is the capital of france' },
    });
    expect(degraded.events.at(-1)).toMatchObject({
      type: 'complete_state',
      message: 'Paris is the capital of France.',
      degraded: true,
      finish_reason: 'stop',
    });
    expect(fake.requests.length).toBe(reached);

    // After the recovery timeout the circuit lets trial calls through; two successes close it.
    await new Promise((resolve) => setTimeout(resolve, 3200));
    expect((await breaker()).state).toBe('HALF_OPEN');
    fake.enqueue(textResponse('Trial one.'), textResponse('Trial two.'));
    expect((await ask('trial question one')).status).toBe(201);
    expect((await breaker()).state).toBe('HALF_OPEN');
    expect((await ask('trial question two')).status).toBe(201);
    const closed = await breaker();
    expect(closed.state).toBe('CLOSED');
    expect(closed.history.map((h: { from: string; to: string }) => `${h.from}>${h.to}`)).toEqual(
      expect.arrayContaining(['CLOSED>OPEN', 'OPEN>HALF_OPEN', 'HALF_OPEN>CLOSED']),
    );
  });

  it('never answers one user, degraded, with what another user told the model', async () => {
    // A model that answers from the history: it repeats the first thing the user said.
    const recall = (body: FakeChatCompletionsBody) => {
      const first = body.messages?.find((m) => m.role === 'user')?.content;
      return textResponse(`You told me: ${String(first)}`);
    };
    const conversationOf = async (authorization: string) =>
      (await request(t.server).post('/api/v1/conversations').set('Authorization', authorization))
        .body.id as string;
    const say = (authorization: string, id: string, content: string) =>
      request(t.server)
        .post(`/api/v1/conversations/${id}/messages`)
        .set('Authorization', authorization)
        .send({ content });
    const bob = `Bearer ${await tokenFor('bob-the-other-user')}`;

    const alices = await conversationOf(auth);
    fake.enqueue(recall, recall);
    expect((await say(auth, alices, 'My bank PIN is 4321')).status).toBe(201);
    const told = await say(auth, alices, 'What did I tell you?');
    expect(told.body.assistant_message.content).toBe('You told me: My bank PIN is 4321');

    // The model is down: the circuit is held open (isolated) for as long as the test needs.
    await request(t.server)
      .post('/api/v1/resilience/circuit-breakers/llm/isolate')
      .set('Authorization', admin)
      .expect(200);

    // Bob asks the same question: in a new conversation, and after history of his own.
    const bobs = await conversationOf(bob);
    const refused = await say(bob, bobs, 'What did I tell you?');
    expectProblem(refused, 503, 'llm_unavailable');
    expect(JSON.stringify(refused.body)).not.toContain('4321');
    const bobWithHistory = await conversationOf(bob);
    await openStream(t.baseUrl, {
      path: `/api/v1/conversations/${bobWithHistory}/stream`,
      token: await tokenFor('bob-the-other-user'),
      body: { content: 'hello there' },
    });
    const streamed = await openStream(t.baseUrl, {
      path: `/api/v1/conversations/${bobWithHistory}/stream`,
      token: await tokenFor('bob-the-other-user'),
      body: { content: 'What did I tell you?' },
    });
    expect(streamed.events).toEqual([
      expect.objectContaining({ type: 'error', code: 'llm_unavailable' }),
    ]);
    expect(JSON.stringify(streamed.events)).not.toContain('4321');

    // Alice in another conversation: that answer depended on the first conversation's history.
    expectProblem(
      await say(auth, await conversationOf(auth), 'What did I tell you?'),
      503,
      'llm_unavailable',
    );
    // Alice in the same conversation gets her own answer back, marked degraded.
    const degraded = await openStream(t.baseUrl, {
      path: `/api/v1/conversations/${alices}/stream`,
      token,
      body: { content: 'what did I tell you' },
    });
    expect(degraded.events.at(-1)).toMatchObject({
      type: 'complete_state',
      message: 'You told me: My bank PIN is 4321',
      degraded: true,
    });
  });

  it('records model calls, tokens and errors in /metrics', async () => {
    const metric = (text: string, series: string) =>
      Number(
        text
          .split('\n')
          .find((line) => line.startsWith(`${series} `))
          ?.split(' ')[1] ?? 0,
      );
    const before = (await request(t.server).get('/metrics')).text;
    fake.enqueue(textResponse('Counted answer.'), { status: 503 });
    await ask('count me');
    await ask('fail me');
    const after = (await request(t.server).get('/metrics')).text;
    const calls =
      'agent_server_llm_call_duration_seconds_count{provider="openai",outcome="success"}';
    expect(metric(after, calls)).toBe(metric(before, calls) + 1);
    const failed =
      'agent_server_llm_call_duration_seconds_count{provider="openai",outcome="error"}';
    expect(metric(after, failed)).toBe(metric(before, failed) + 1);
    const input = 'agent_server_llm_tokens_total{provider="openai",direction="input"}';
    expect(metric(after, input)).toBeGreaterThan(metric(before, input));
    const errors = 'agent_server_llm_errors_total{provider="openai",kind="http_5xx"}';
    expect(metric(after, errors)).toBe(metric(before, errors) + 1);
  });

  it('does not count a 4xx from the provider against the circuit', async () => {
    fake.enqueue({ status: 400 }, { status: 400 }, { status: 400 });
    for (let i = 0; i < 3; i++) expect((await ask(`bad request ${i}`)).status).toBe(502);
    expect((await breaker()).state).toBe('CLOSED');
  });

  it('keeps the text of a model that stalls mid-answer: finish_reason timeout, partial stored', async () => {
    fake.enqueue({ steps: [{ text: 'The answer ' }, { text: 'starts here ' }, { stall: true }] });
    const id = await newConversation();
    const result = await openStream(t.baseUrl, {
      path: `/api/v1/conversations/${id}/stream`,
      token,
      body: { content: 'tell me something slow' },
    });
    const final = result.events.at(-1)!;
    expect(final).toMatchObject({
      type: 'complete_state',
      finish_reason: 'timeout',
      message: 'The answer starts here ',
    });
    const messages = (
      await request(t.server).get(`/api/v1/conversations/${id}/messages`).set('Authorization', auth)
    ).body.items;
    expect(messages.at(-1)).toMatchObject({
      id: final.message_id,
      status: 'partial',
      content: 'The answer starts here ',
    });
    expect(fake.requests[0].closedByClient).toBe(true);
  });

  it('gives the agent an is_error tool result when the tools circuit is open, and carries on', async () => {
    await request(t.server)
      .post('/api/v1/resilience/circuit-breakers/tools/isolate')
      .set('Authorization', admin)
      .expect(200);
    try {
      fake.enqueue(
        toolCallResponse({ id: 'call_1', name: 'calculator', args: { expression: '2 + 2' } }),
        textResponse('The calculator is unavailable right now.'),
      );
      const result = await openStream(t.baseUrl, {
        path: `/api/v1/conversations/${await newConversation()}/stream`,
        token,
        body: { content: 'what is 2 + 2?' },
      });
      const toolResult = result.events.find((e) => e.type === 'tool_result');
      expect(toolResult).toMatchObject({
        tool_name: 'calculator',
        tool_call_id: 'call_1',
        is_error: true,
      });
      expect(String(toolResult?.result)).toMatch(/unavailable|open/i);
      expect(result.events.at(-1)).toMatchObject({ type: 'complete_state', finish_reason: 'stop' });
      // The model saw the error text as the tool's answer.
      const second = fake.requests[1].body.messages ?? [];
      expect(second.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_1' });
    } finally {
      await request(t.server)
        .post('/api/v1/resilience/circuit-breakers/tools/reset')
        .set('Authorization', admin)
        .expect(200);
    }
  });

  it('answers 503 with Retry-After on REST and fails readiness while the database circuit is open', async () => {
    await request(t.server)
      .post('/api/v1/resilience/circuit-breakers/database/isolate')
      .set('Authorization', admin)
      .expect(200);
    try {
      const list = await request(t.server).get('/api/v1/conversations').set('Authorization', auth);
      expectProblem(list, 503, 'circuit_open');
      expect(Number(list.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await request(t.server).get('/health/ready')).status).toBe(503);
      expect((await request(t.server).get('/health')).status).toBe(200);
    } finally {
      await request(t.server)
        .post('/api/v1/resilience/circuit-breakers/database/reset')
        .set('Authorization', admin)
        .expect(200);
    }
    await request(t.server).get('/api/v1/conversations').set('Authorization', auth).expect(200);
    await request(t.server).get('/health/ready').expect(200);
  });
});
