import request from 'supertest';
import { expectProblem } from './support/problem';
import { openStream } from './support/stream-client';
import { waitFor } from './support/wait-for';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';
import { TEST_WEBHOOK_SECRET } from './support/webhook-receiver';

jest.setTimeout(60_000);

/** A message whose local-model answer streams for a while (one word per token delay). */
const LONG = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');

describe('Background runs (e2e)', () => {
  let t: TestApp;
  let auth: string;
  let otherAuth: string;

  beforeAll(async () => {
    // Webhooks on, private destinations refused (the default): only the URL checks matter here.
    t = await startTestApp({
      LOCAL_MODEL_TOKEN_DELAY_MS: '25',
      WEBHOOKS_SECRET: TEST_WEBHOOK_SECRET,
      WEBHOOKS_POLL_MS: '600000',
    });
    auth = `Bearer ${await tokenFor('background-user')}`;
    otherAuth = `Bearer ${await tokenFor('someone-else')}`;
  });
  afterAll(() => t.close());

  const newConversation = async (as = auth) =>
    (await request(t.server).post('/api/v1/conversations').set('Authorization', as).send({})).body
      .id as string;
  const startRun = (id: string, body: unknown, as = auth) =>
    request(t.server)
      .post(`/api/v1/conversations/${id}/runs`)
      .set('Authorization', as)
      .send(body as object);
  const getRun = (path: string, as = auth) => request(t.server).get(path).set('Authorization', as);
  const finished = (path: string) =>
    waitFor(async () => {
      const res = await getRun(path).expect(200);
      return res.body.status === 'running' ? undefined : (res.body as Record<string, unknown>);
    });

  it('answers 202 with the run and its Location at once, and the run ends with no client', async () => {
    const id = await newConversation();
    const res = await startRun(id, { content: LONG }).expect(202);
    expect(res.body).toMatchObject({
      run_id: expect.any(String),
      conversation_id: id,
      status: 'running',
      message: null,
      error: null,
      webhook_url: null,
      finished_at: null,
    });
    const location = res.headers.location;
    expect(location).toBe(`/api/v1/conversations/${id}/runs/${res.body.run_id}`);

    const done = await finished(location);
    expect(done).toMatchObject({
      run_id: res.body.run_id,
      status: 'completed',
      finish_reason: 'stop',
      error: null,
      events_available: true,
      finished_at: expect.any(String),
    });
    const message = done.message as { role: string; content: string; status: string };
    expect(message).toMatchObject({ role: 'assistant', status: 'complete' });
    expect(message.content).toContain('word79');

    // The stream and events endpoints follow it like any run.
    const polled = await request(t.server)
      .get(`/api/v1/conversations/${id}/events`)
      .set('Authorization', auth)
      .expect(200);
    expect(polled.body.done).toBe(true);
    expect(polled.body.events.at(-1)).toMatchObject({
      type: 'complete_state',
      run_id: res.body.run_id,
      message: message.content,
    });
    const resumed = await openStream(t.baseUrl, {
      method: 'GET',
      path: `/api/v1/conversations/${id}/stream`,
      token: auth.slice('Bearer '.length),
      headers: { 'Last-Event-ID': `${res.body.run_id}:1` },
    });
    expect(resumed.events[0].seq).toBe(2);
    expect(resumed.events.at(-1)).toMatchObject({ type: 'complete_state' });
  });

  it('can be followed live on the stream while it runs', async () => {
    const id = await newConversation();
    const res = await startRun(id, { content: LONG }).expect(202);
    const followed = await openStream(t.baseUrl, {
      method: 'GET',
      path: `/api/v1/conversations/${id}/stream`,
      token: auth.slice('Bearer '.length),
    });
    expect(followed.events[0]).toMatchObject({ run_id: res.body.run_id, seq: 1 });
    expect(followed.events.at(-1)).toMatchObject({ type: 'complete_state' });
  });

  it('is idempotent with an Idempotency-Key, 409 while another run is active, 422 on a reused key', async () => {
    const id = await newConversation();
    const first = await startRun(id, { content: LONG })
      .set('Idempotency-Key', 'bg-key-1')
      .expect(202);
    const again = await startRun(id, { content: LONG })
      .set('Idempotency-Key', 'bg-key-1')
      .expect(202);
    expect(again.body.run_id).toBe(first.body.run_id);
    expect(again.headers.location).toBe(first.headers.location);

    const busy = await startRun(id, { content: 'another one' });
    expectProblem(busy, 409, 'run_active');
    expect(busy.body.run_id).toBe(first.body.run_id);
    expect(busy.headers['retry-after']).toBeDefined();

    await finished(first.headers.location);
    const reused = await startRun(id, { content: 'not the same' }).set(
      'Idempotency-Key',
      'bg-key-1',
    );
    expectProblem(reused, 422, 'idempotency_key_reused');
  });

  it("answers 404 for another user's conversation or run, and for unknown runs", async () => {
    const id = await newConversation();
    const res = await startRun(id, { content: 'hello' }).expect(202);
    await finished(res.headers.location);

    expectProblem(
      await startRun(id, { content: 'mine?' }, otherAuth),
      404,
      'conversation_not_found',
    );
    expectProblem(await getRun(res.headers.location, otherAuth), 404, 'conversation_not_found');
    const unknown = '00000000-0000-4000-8000-000000000000';
    expectProblem(
      await getRun(`/api/v1/conversations/${id}/runs/${unknown}`),
      404,
      'run_not_found',
    );
    expectProblem(await startRun(unknown, { content: 'x' }), 404, 'conversation_not_found');
    // A run of another conversation of the same user is not found under this one.
    const other = await newConversation();
    expectProblem(
      await getRun(`/api/v1/conversations/${other}/runs/${res.body.run_id}`),
      404,
      'run_not_found',
    );
  });

  it('refuses webhook URLs that are not https or point at private addresses (400), storing nothing', async () => {
    const id = await newConversation();
    for (const url of [
      'http://example.com/hook',
      'https://127.0.0.1/hook',
      'https://10.0.0.8/hook',
      'https://192.168.1.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://localhost:8443/hook',
      'https://user:secret@example.com/hook',
      'ftp://example.com/hook',
      'not a url',
      `https://example.com/${'a'.repeat(2100)}`,
    ]) {
      const res = await startRun(id, { content: 'hi', webhook_url: url });
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'webhook_url' })]);
    }
    const messages = await request(t.server)
      .get(`/api/v1/conversations/${id}/messages`)
      .set('Authorization', auth)
      .expect(200);
    expect(messages.body.items).toEqual([]);
  });

  it('keeps a public https webhook URL with the run', async () => {
    const id = await newConversation();
    const res = await startRun(id, {
      content: 'hi',
      webhook_url: 'https://hooks.invalid/agent',
    }).expect(202);
    expect(res.body.webhook_url).toBe('https://hooks.invalid/agent');
    await finished(res.headers.location);
  });

  it('answers bad input with 4xx problems, never 5xx', async () => {
    const id = await newConversation();
    const cases: Array<[unknown, string]> = [
      [{}, 'content'],
      [{ content: '' }, 'content'],
      [{ content: '   ' }, 'content'],
      [{ content: 42 }, 'content'],
      [{ content: 'hi', webhook_url: 42 }, 'webhook_url'],
      [{ content: 'hi', webhook_url: null }, 'webhook_url'],
      [{ content: 'hi', extra: true }, 'extra'],
      [{ content: 'a\u0000b' }, 'content'],
      [{ content: 'x'.repeat(40_000) }, 'content'],
    ];
    for (const [body, field] of cases) {
      const res = await startRun(id, body);
      expectProblem(res, 400, 'validation_failed');
      expect(JSON.stringify(res.body.errors)).toContain(field);
    }
    const malformed = await request(t.server)
      .post(`/api/v1/conversations/${id}/runs`)
      .set('Authorization', auth)
      .set('Content-Type', 'application/json')
      .send('{"content": ');
    expect(malformed.status).toBe(400);
    const notJson = await request(t.server)
      .post(`/api/v1/conversations/${id}/runs`)
      .set('Authorization', auth)
      .set('Content-Type', 'text/plain')
      .send('hello');
    expectProblem(notJson, 415, 'unsupported_media_type');
    expectProblem(await startRun('not-a-uuid', { content: 'x' }), 400, 'validation_failed');
    expectProblem(
      await getRun(`/api/v1/conversations/${id}/runs/not-a-uuid`),
      400,
      'validation_failed',
    );
    const badKey = await startRun(id, { content: 'x' }).set('Idempotency-Key', 'bad key');
    expectProblem(badKey, 400, 'validation_failed');
    const anonymous = await request(t.server)
      .post(`/api/v1/conversations/${id}/runs`)
      .send({ content: 'x' });
    expect(anonymous.status).toBe(401);
  });
});
