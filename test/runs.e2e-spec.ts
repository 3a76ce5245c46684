import request from 'supertest';
import { openStream, type StreamResult } from './support/stream-client';
import { expectProblem } from './support/problem';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

/** A message whose local-model answer streams for a while (one word per LOCAL_MODEL_TOKEN_DELAY_MS). */
const LONG = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');

function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return (async () => {
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
}

describe('Runs (e2e)', () => {
  let t: TestApp;
  let token: string;
  let auth: string;

  beforeAll(async () => {
    t = await startTestApp({
      LOCAL_MODEL_TOKEN_DELAY_MS: '20',
      STREAM_HEARTBEAT_MS: '100',
      // One event per word: some tests compare the events of two runs, which a time window
      // would split differently.
      STREAM_CHUNK_WINDOW_MS: '0',
    });
    token = await tokenFor('runner');
    auth = `Bearer ${token}`;
  });
  afterAll(() => t.close());

  const newConversation = async (app: TestApp = t) =>
    (await request(app.server).post('/api/v1/conversations').set('Authorization', auth).send({}))
      .body.id as string;
  const messagesOf = async (id: string) =>
    (
      await request(t.server)
        .get(`/api/v1/conversations/${id}/messages?limit=100`)
        .set('Authorization', auth)
        .expect(200)
    ).body.items as Array<Record<string, unknown>>;
  const stream = (
    id: string,
    content: string,
    extra: Partial<Parameters<typeof openStream>[1]> = {},
  ) =>
    openStream(t.baseUrl, {
      path: `/api/v1/conversations/${id}/stream`,
      token,
      body: { content },
      ...extra,
    });
  const polled = async (id: string, after?: string) =>
    (
      await request(t.server)
        .get(`/api/v1/conversations/${id}/events`)
        .query(after ? { after } : {})
        .set('Authorization', auth)
        .expect(200)
    ).body as { events: StreamResult['events']; done: boolean };

  describe('POST .../messages', () => {
    it('answers with the stored messages and usage, and stores them in order', async () => {
      const id = await newConversation();
      const res = await request(t.server)
        .post(`/api/v1/conversations/${id}/messages`)
        .set('Authorization', auth)
        .send({ content: 'Hello there, agent' })
        .expect(201);
      expect(res.body.user_message).toMatchObject({ role: 'user', content: 'Hello there, agent' });
      expect(res.body.assistant_message).toMatchObject({ role: 'assistant', status: 'complete' });
      expect(res.body.assistant_message.content).toMatch(/Hello there, agent$/);
      expect(res.body.usage).toEqual({
        input_tokens: expect.any(Number),
        output_tokens: expect.any(Number),
        estimated: true,
      });
      expect(res.body.usage.output_tokens).toBeGreaterThan(0);
      const stored = await messagesOf(id);
      expect(stored.map((m) => m.id)).toEqual([
        res.body.user_message.id,
        res.body.assistant_message.id,
      ]);
    });

    it('runs the calculator and stores the tool call, the tool result and the answer', async () => {
      const id = await newConversation();
      const res = await request(t.server)
        .post(`/api/v1/conversations/${id}/messages`)
        .set('Authorization', auth)
        .send({ content: 'what is 12 * (3 + 4)?' })
        .expect(201);
      expect(res.body.assistant_message.content).toContain('84');
      const stored = await messagesOf(id);
      expect(stored.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
      const call = (stored[1].tool_calls as Array<{ id: string; name: string }>)[0];
      expect(call.name).toBe('calculator');
      expect(stored[2]).toMatchObject({
        tool_call_id: call.id,
        tool_name: 'calculator',
        content: '84',
      });
      const conversation = await request(t.server)
        .get(`/api/v1/conversations/${id}`)
        .set('Authorization', auth);
      expect(conversation.body.message_count).toBe(4);
    });

    it('feeds the history to the agent on the next turn', async () => {
      const id = await newConversation();
      await request(t.server)
        .post(`/api/v1/conversations/${id}/messages`)
        .set('Authorization', auth)
        .send({ content: 'first' })
        .expect(201);
      await request(t.server)
        .post(`/api/v1/conversations/${id}/messages`)
        .set('Authorization', auth)
        .send({ content: 'second' })
        .expect(201);
      const stored = await messagesOf(id);
      expect(stored.map((m) => [m.role, (m.content as string).split(' ').at(-1)])).toEqual([
        ['user', 'first'],
        ['assistant', 'first'],
        ['user', 'second'],
        ['assistant', 'second'],
      ]);
    });

    it('returns the same run for a repeated Idempotency-Key instead of running twice', async () => {
      const id = await newConversation();
      const send = () =>
        request(t.server)
          .post(`/api/v1/conversations/${id}/messages`)
          .set('Authorization', auth)
          .set('Idempotency-Key', 'key-123')
          .send({ content: 'only once please' })
          .expect(201);
      const first = await send();
      const second = await send();
      expect(second.body).toEqual(first.body);
      expect(await messagesOf(id)).toHaveLength(2);
    });
  });

  describe('POST .../stream', () => {
    it('streams SSE with ids, event names, contract fields, and the answer stored before the end', async () => {
      const id = await newConversation();
      const result = await stream(id, 'what is 2 + 3?');
      expect(result.status).toBe(200);
      expect(result.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(result.headers['cache-control']).toBe('no-cache, no-transform');
      expect(result.headers['x-accel-buffering']).toBe('no');
      expect(result.raw.startsWith(': connected')).toBe(true);
      expect(result.raw).toMatch(/^retry: \d+$/m);
      const runId = result.events[0].run_id;
      result.sse.forEach((message, index) => {
        expect(message.id).toBe(`${runId}:${index + 1}`);
        expect(message.event).toBe(result.events[index].type);
      });
      // A new conversation is named after its first answer, before complete_state.
      expect(result.events.map((e) => e.type)).toEqual([
        'tool_call',
        'tool_result',
        ...Array(result.events.length - 4).fill('message_chunk'),
        'title',
        'complete_state',
      ]);
      expect(result.events[0]).toEqual({
        type: 'tool_call',
        run_id: runId,
        seq: 1,
        tool_name: 'calculator',
        tool_call_id: expect.any(String),
        args: { expression: '2 + 3' },
      });
      expect(result.events[1]).toMatchObject({ type: 'tool_result', result: '5', is_error: false });
      const chunk = result.events[2];
      expect(chunk).toEqual({
        type: 'message_chunk',
        run_id: runId,
        seq: 3,
        content: expect.any(String),
        tokens: expect.any(Number),
      });
      const final = result.events.at(-1)!;
      expect(final).toEqual({
        type: 'complete_state',
        run_id: runId,
        seq: result.events.length,
        message: result.events
          .filter((e) => e.type === 'message_chunk')
          .map((e) => e.content)
          .join(''),
        message_id: expect.any(String),
        conversation_id: id,
        total_tokens: expect.any(Number),
        usage: {
          input_tokens: expect.any(Number),
          output_tokens: expect.any(Number),
          estimated: true,
        },
        finish_reason: 'stop',
        degraded: false,
        duration_ms: expect.any(Number),
      });
      const stored = await messagesOf(id);
      expect(stored.at(-1)).toMatchObject({
        id: final.message_id,
        content: final.message,
        status: 'complete',
      });
    });

    it('records stream figures in /metrics as streams flow', async () => {
      const value = (text: string, series: string) =>
        Number(new RegExp(`^${series} (\\S+)$`, 'm').exec(text)?.[1] ?? 'NaN');
      const before = (await request(t.server).get('/metrics').expect(200)).text;
      await stream(await newConversation(), 'what is 4 * 4?');
      const after = (await request(t.server).get('/metrics').expect(200)).text;
      expect(value(after, 'agent_server_streams_started_total')).toBe(
        value(before, 'agent_server_streams_started_total') + 1,
      );
      expect(value(after, 'agent_server_stream_first_event_seconds_count')).toBe(
        value(before, 'agent_server_stream_first_event_seconds_count') + 1,
      );
      expect(value(after, 'agent_server_stream_tokens_total')).toBeGreaterThan(
        value(before, 'agent_server_stream_tokens_total'),
      );
      expect(after).toMatch(/^agent_server_streams_completed_total\{outcome="completed"\} \d+/m);
    });

    it('sends the identical event sequence as NDJSON (Accept header or ?format=ndjson)', async () => {
      const strip = (r: StreamResult) =>
        r.events.map(
          ({
            run_id: _r,
            message_id: _m,
            conversation_id: _c,
            duration_ms: _d,
            tool_call_id: _t,
            ...rest
          }) => rest,
        );
      const sse = await stream(await newConversation(), 'what is 7 - 2?');
      const byAccept = await stream(await newConversation(), 'what is 7 - 2?', {
        headers: { Accept: 'application/x-ndjson' },
      });
      const byQuery = await openStream(t.baseUrl, {
        path: `/api/v1/conversations/${await newConversation()}/stream?format=ndjson`,
        token,
        body: { content: 'what is 7 - 2?' },
      });
      expect(byAccept.headers['content-type']).toMatch(/^application\/x-ndjson/);
      expect(byQuery.headers['content-type']).toMatch(/^application\/x-ndjson/);
      expect(strip(byAccept)).toEqual(strip(sse));
      expect(strip(byQuery)).toEqual(strip(sse));
    });

    it('sends heartbeats while the run is quiet, without seq', async () => {
      const sse = await stream(await newConversation(), LONG);
      expect(sse.comments).toContain('keep-alive');
      const ndjson = await stream(await newConversation(), LONG, {
        headers: { Accept: 'application/x-ndjson' },
      });
      expect(ndjson.raw).toContain('{"type":"heartbeat"}\n');
    });

    it('refuses a second run while one is active (409), and cancels it', async () => {
      const id = await newConversation();
      const running = stream(id, LONG);
      await waitFor(async () => ((await polled(id)).events.length > 2 ? true : undefined));
      const refused = await request(t.server)
        .post(`/api/v1/conversations/${id}/messages`)
        .set('Authorization', auth)
        .send({ content: 'x' });
      expectProblem(refused, 409, 'run_active');
      // It names the run in the way, and when to try again.
      expect(refused.body.run_id).toBe((await polled(id)).events[0].run_id);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const second = await stream(id, 'another');
      expect(second.status).toBe(409);
      expect(second.headers['content-type']).toMatch(/problem\+json/);

      const started = Date.now();
      const cancel = await request(t.server)
        .post(`/api/v1/conversations/${id}/cancel`)
        .set('Authorization', auth)
        .expect(202);
      expect(cancel.body).toEqual({ run_id: expect.any(String), status: 'cancelling' });
      const result = await running;
      // Promptly (generous for a busy machine); that it was a cancel is checked below.
      expect(Date.now() - started).toBeLessThan(5000);
      const final = result.events.at(-1)!;
      expect(final).toMatchObject({ type: 'complete_state', finish_reason: 'cancelled' });
      expect(final.message).toBe(
        result.events
          .filter((e) => e.type === 'message_chunk')
          .map((e) => e.content)
          .join(''),
      );
      const stored = await messagesOf(id);
      expect(stored.at(-1)).toMatchObject({
        id: final.message_id,
        role: 'assistant',
        status: 'partial',
        content: final.message,
      });
      expectProblem(
        await request(t.server)
          .post(`/api/v1/conversations/${id}/cancel`)
          .set('Authorization', auth),
        409,
        'no_active_run',
      );
      // A cancel says nothing about the model: the llm circuit did not count it as a failure.
      const llm = await request(t.server)
        .get('/api/v1/resilience/circuit-breakers/llm')
        .set('Authorization', auth);
      expect(llm.body.metrics.failed_calls).toBe(0);
      // The conversation takes a new run afterwards.
      await request(t.server)
        .post(`/api/v1/conversations/${id}/messages`)
        .set('Authorization', auth)
        .send({ content: 'again' })
        .expect(201);
    });

    it('replays the same run for a repeated Idempotency-Key', async () => {
      const id = await newConversation();
      const headers = { 'Idempotency-Key': 'stream-key-1' };
      const first = await stream(id, 'what is 1 + 1?', { headers });
      const second = await stream(id, 'what is 1 + 1?', { headers });
      expect(second.events).toEqual(first.events);
      expect(await messagesOf(id)).toHaveLength(4);
    });
  });

  describe('resume', () => {
    it('keeps running when the client leaves, and Last-Event-ID resumes exactly once', async () => {
      const id = await newConversation();
      const partial = await stream(id, LONG, {
        onChunk: (_, soFar) => (soFar.match(/^id: /gm) ?? []).length >= 3,
      });
      const seen = partial.events.slice(0, 3);
      expect(seen.map((e) => e.seq)).toEqual([1, 2, 3]);
      const lastId = `${seen[2].run_id}:3`;
      const rest = await openStream(t.baseUrl, {
        method: 'GET',
        path: `/api/v1/conversations/${id}/stream`,
        token,
        headers: { 'Last-Event-ID': lastId },
      });
      expect(rest.status).toBe(200);
      const all = [...seen, ...rest.events];
      expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
      expect(all.at(-1)).toMatchObject({ type: 'complete_state', finish_reason: 'stop' });
      expect(all).toEqual((await polled(id)).events);

      // Nothing left after the terminal event: 204. Query parameter works like the header.
      await request(t.server)
        .get(`/api/v1/conversations/${id}/stream`)
        .query({ last_event_id: `${seen[0].run_id}:${all.length}` })
        .set('Authorization', auth)
        .expect(204);
      // Without an id the whole latest run is replayed.
      const replay = await openStream(t.baseUrl, {
        method: 'GET',
        path: `/api/v1/conversations/${id}/stream`,
        token,
      });
      expect(replay.events).toEqual(all);
    });

    it('answers 204 when the conversation has no run', async () => {
      const id = await newConversation();
      await request(t.server)
        .get(`/api/v1/conversations/${id}/stream`)
        .set('Authorization', auth)
        .expect(204);
      expect(await polled(id)).toEqual({ events: [], done: true });
    });

    it('serves polling with ?after= and done', async () => {
      const id = await newConversation();
      const result = await stream(id, 'what is 3 * 3?');
      const runId = result.events[0].run_id;
      const all = await polled(id);
      expect(all).toEqual({ events: result.events, done: true });
      const after = await polled(id, `${runId}:2`);
      expect(after.events).toEqual(result.events.slice(2));
      expect(after.done).toBe(true);
    });

    it('stores every event of concurrent runs (written together) exactly as they were streamed', async () => {
      const ids = await Promise.all(Array.from({ length: 6 }, () => newConversation()));
      const results = await Promise.all(
        ids.map((id, i) => stream(id, `run number ${i} tells a story of ${i + 3} words`)),
      );
      for (const [i, id] of ids.entries()) {
        const streamed = results[i].events;
        expect(streamed.map((e) => e.seq)).toEqual(streamed.map((_, n) => n + 1));
        expect(streamed.at(-1)?.type).toBe('complete_state');
        expect(await polled(id)).toEqual({ events: streamed, done: true });
      }
    });

    it('resumes on a second instance sharing the database, live through Postgres, to the end', async () => {
      const other = await startTestApp(
        { LOCAL_MODEL_TOKEN_DELAY_MS: '20' },
        { shareDatabaseWith: t },
      );
      try {
        const id = await newConversation();
        const partial = await stream(id, LONG, {
          onChunk: (_, soFar) => (soFar.match(/^id: /gm) ?? []).length >= 2,
        });
        const runId = partial.events[0].run_id;
        const rest = await openStream(other.baseUrl, {
          method: 'GET',
          path: `/api/v1/conversations/${id}/stream`,
          token,
          headers: { 'Last-Event-ID': `${runId}:2`, Accept: 'application/x-ndjson' },
        });
        const all = [...partial.events.slice(0, 2), ...rest.events];
        expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
        expect(all.at(-1)?.type).toBe('complete_state');
        expect(all).toEqual((await polled(id)).events);
      } finally {
        await other.close();
      }
    });

    it('ends a followed run with a retryable server_shutdown error when its instance shuts down', async () => {
      const owner = await startTestApp(
        { LOCAL_MODEL_TOKEN_DELAY_MS: '20', SHUTDOWN_GRACE_MS: '0' },
        { shareDatabaseWith: t },
      );
      const id = await newConversation(owner);
      const started = await openStream(owner.baseUrl, {
        path: `/api/v1/conversations/${id}/stream`,
        token,
        body: { content: LONG },
        onChunk: (_, soFar) => (soFar.match(/^id: /gm) ?? []).length >= 2,
      });
      const runId = started.events[0].run_id;
      const following = openStream(t.baseUrl, {
        method: 'GET',
        path: `/api/v1/conversations/${id}/stream`,
        token,
        headers: { 'Last-Event-ID': `${runId}:2` },
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await owner.close();
      const rest = await following;
      expect(rest.events.at(-1)).toMatchObject({
        type: 'error',
        code: 'server_shutdown',
        retryable: true,
      });
      const stored = await messagesOf(id);
      expect(stored.at(-1)).toMatchObject({ role: 'assistant', status: 'partial' });
    });
  });
});
