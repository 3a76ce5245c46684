import request from 'supertest';
import { FakeOpenAIServer } from './support/fake-openai-server';
import { findFreePort } from './support/free-port';
import { expectProblem } from './support/problem';
import { startServerProcess, waitForOk, type ServerProcess } from './support/server-process';
import { waitFor } from './support/wait-for';
import { createConversation } from './support/conversations';
import { cloneTestDatabase, startTestApp, tokenFor, type TestApp } from './support/test-app';
import { startWebhookReceiver, TEST_WEBHOOK_SECRET } from './support/webhook-receiver';

jest.setTimeout(120_000);

const LONG = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');

/** Webhooks on, to local receivers (loopback and http allowed, as in tests only), retried fast. */
const WEBHOOK_ENV = {
  WEBHOOKS_SECRET: TEST_WEBHOOK_SECRET,
  WEBHOOKS_ALLOW_HTTP: 'true',
  WEBHOOKS_ALLOW_PRIVATE: 'true',
  WEBHOOKS_POLL_MS: '100',
  WEBHOOKS_BACKOFF_BASE_MS: '200',
  WEBHOOKS_BACKOFF_MAX_MS: '1000',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface WebhookBody {
  type: string;
  timestamp: string;
  data: {
    run_id: string;
    conversation_id: string;
    status: string;
    finish_reason: string | null;
    message: { id: string; content: string } | null;
    error: { code: string; message: string; retryable: boolean } | null;
  };
}

describe('Webhooks (e2e)', () => {
  let t: TestApp;
  let auth: string;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({ ...WEBHOOK_ENV, LOCAL_MODEL_TOKEN_DELAY_MS: '5' });
    auth = `Bearer ${await tokenFor('hooked')}`;
    admin = `Bearer ${await tokenFor('operator', { roles: ['admin'] })}`;
  });
  afterAll(() => t.close());

  const newConversation = async (app = t) =>
    (await request(app.server).post('/api/v1/conversations').set('Authorization', auth).send({}))
      .body.id as string;
  const startRun = (id: string, body: object, app = t) =>
    request(app.server)
      .post(`/api/v1/conversations/${id}/runs`)
      .set('Authorization', auth)
      .send(body)
      .expect(202);
  const deliveriesOf = async (runId: string, app = t) =>
    (
      await request(app.server)
        .get('/api/v1/webhooks/deliveries')
        .query({ run_id: runId })
        .set('Authorization', admin)
        .expect(200)
    ).body.items as Array<Record<string, unknown>>;

  it('retries a failing receiver with backoff until it accepts: signed, the same id, accepted once', async () => {
    const receiver = await startWebhookReceiver((i) => (i === 0 ? 500 : i === 1 ? 503 : 200));
    try {
      const id = await newConversation();
      const run = await startRun(id, { content: 'hello webhook', webhook_url: receiver.url });
      await waitFor(() => (receiver.accepted().size > 0 ? true : undefined));

      expect(receiver.received.map((r) => r.answered)).toEqual([500, 503, 200]);
      const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
      expect(ids.size).toBe(1);
      // Every attempt verifies with the standardwebhooks package, with the timestamp it carries.
      for (const entry of receiver.received) {
        expect(entry.verified).toEqual(JSON.parse(entry.body));
        expect(entry.headers['webhook-signature']).toMatch(/^v1,/);
        expect(entry.headers['content-type']).toBe('application/json');
      }
      const body = receiver.received[2].verified as WebhookBody;
      const final = await request(t.server)
        .get(run.headers.location)
        .set('Authorization', auth)
        .expect(200);
      expect(body).toEqual({
        type: 'run.completed',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        data: {
          run_id: run.body.run_id,
          conversation_id: id,
          status: 'completed',
          finish_reason: 'stop',
          message: { id: final.body.message.id, content: final.body.message.content },
          error: null,
        },
      });

      // Accepted: never sent again (exactly once per delivery id).
      await sleep(1500);
      expect(receiver.received).toHaveLength(3);
      expect([...receiver.accepted().values()]).toEqual([1]);

      // Operators see it with its attempts.
      const [delivery] = await deliveriesOf(run.body.run_id);
      expect(delivery).toMatchObject({
        id: [...ids][0],
        run_id: run.body.run_id,
        conversation_id: id,
        event_type: 'run.completed',
        url: receiver.url,
        status: 'delivered',
        attempts: 3,
        last_status_code: 200,
        last_error: null,
        next_attempt_at: null,
        delivered_at: expect.any(String),
      });
      expect(
        (delivery.attempt_log as Array<{ status_code: number }>).map((a) => a.status_code),
      ).toEqual([500, 503, 200]);

      // A redeliver sends it again, with the same id, and a fresh signature.
      const again = await request(t.server)
        .post(`/api/v1/webhooks/deliveries/${String(delivery.id)}/redeliver`)
        .set('Authorization', admin)
        .expect(202);
      expect(again.body).toMatchObject({ id: delivery.id, status: 'pending' });
      await waitFor(() => (receiver.received.length === 4 ? true : undefined));
      expect(receiver.received[3].headers['webhook-id']).toBe(delivery.id);
      expect(receiver.received[3].verified).toEqual(body);

      const metrics = await request(t.server).get('/metrics').expect(200);
      expect(metrics.text).toMatch(/webhook_deliveries_total\{outcome="delivered"\} [1-9]/);
      expect(metrics.text).toMatch(/webhook_deliveries_total\{outcome="retrying"\} [1-9]/);
      expect(metrics.text).toMatch(/webhook_delivery_failures_total\{reason="status"\} [1-9]/);
      expect(metrics.text).toMatch(/webhook_queue_depth \d+/);
    } finally {
      await receiver.close();
    }
  });

  it('reports a cancelled run, and the breaker of the destination host is listed', async () => {
    const receiver = await startWebhookReceiver(() => 204);
    try {
      const id = await newConversation();
      const run = await startRun(id, { content: LONG, webhook_url: receiver.url });
      await request(t.server)
        .post(`/api/v1/conversations/${id}/cancel`)
        .set('Authorization', auth)
        .expect(202);
      await waitFor(() => (receiver.accepted().size > 0 ? true : undefined));
      const body = receiver.received[0].verified as WebhookBody;
      expect(body.type).toBe('run.cancelled');
      expect(body.data).toMatchObject({
        run_id: run.body.run_id,
        status: 'cancelled',
        finish_reason: 'cancelled',
      });
      const breakers = await request(t.server)
        .get('/api/v1/resilience/circuit-breakers')
        .set('Authorization', auth)
        .expect(200);
      const names = (breakers.body as Array<{ name: string }>).map((b) => b.name);
      expect(names).toContain('webhooks');
      expect(names).toContain(`webhooks:${new URL(receiver.url).host}`);
    } finally {
      await receiver.close();
    }
  });

  it('reports a run that paused for approval, then its end once decided', async () => {
    const receiver = await startWebhookReceiver(() => 204);
    try {
      const id = await newConversation();
      const run = await startRun(id, {
        content: 'Remind me to water the plants',
        webhook_url: receiver.url,
      });
      await waitFor(() => (receiver.accepted().size > 0 ? true : undefined));
      const paused = receiver.received[0].verified as WebhookBody;
      expect(paused.type).toBe('run.awaiting_approval');
      expect(paused.data).toMatchObject({
        run_id: run.body.run_id,
        status: 'awaiting_approval',
        message: null,
        error: null,
      });
      const events = await request(t.server)
        .get(`/api/v1/conversations/${id}/events`)
        .set('Authorization', auth)
        .expect(200);
      const call = (events.body.events as Array<Record<string, string>>).find(
        (e) => e.type === 'approval_required',
      )!;
      await request(t.server)
        .post(`/api/v1/conversations/${id}/runs/${run.body.run_id}/approvals`)
        .set('Authorization', auth)
        .send({ decisions: [{ tool_call_id: call.tool_call_id, decision: 'approve' }] })
        .expect(200);
      await waitFor(() => (receiver.accepted().size > 1 ? true : undefined));
      const ended = receiver.received.at(-1)!.verified as WebhookBody;
      expect(ended.type).toBe('run.completed');
      expect(ended.data).toMatchObject({ run_id: run.body.run_id, status: 'completed' });
    } finally {
      await receiver.close();
    }
  });

  it('refuses at delivery time a destination that resolves to a private address', async () => {
    const receiver = await startWebhookReceiver(() => 200);
    // The deployment default is not checked at request time; delivery refuses it on every attempt.
    const strict = await startTestApp({
      ...WEBHOOK_ENV,
      WEBHOOKS_ALLOW_PRIVATE: 'false',
      WEBHOOKS_DEFAULT_URL: receiver.url.replace('127.0.0.1', 'localhost'),
      WEBHOOKS_BACKOFF_BASE_MS: '100',
      WEBHOOKS_RETRY_FOR_MS: '1500',
    });
    try {
      const id = await newConversation(strict);
      const run = await startRun(id, { content: 'hi' }, strict);
      const delivery = await waitFor(async () => {
        const [row] = await deliveriesOf(run.body.run_id, strict);
        return row?.status === 'failed' ? row : undefined;
      });
      expect(delivery.last_error).toMatch(/private/);
      expect(delivery.attempts as number).toBeGreaterThanOrEqual(1);
      expect(receiver.received).toEqual([]);
      // And a private webhook_url is refused when the run is asked for.
      const refused = await request(strict.server)
        .post(`/api/v1/conversations/${id}/runs`)
        .set('Authorization', auth)
        .send({ content: 'hi', webhook_url: receiver.url });
      expectProblem(refused, 400, 'validation_failed');
      expect(refused.body.errors[0]).toMatchObject({ field: 'webhook_url' });
    } finally {
      await strict.close();
      await receiver.close();
    }
  });

  it('guards the admin routes and answers bad input with 4xx', async () => {
    const list = (query: Record<string, string>, as = admin) =>
      request(t.server).get('/api/v1/webhooks/deliveries').query(query).set('Authorization', as);
    expect((await list({}, auth)).status).toBe(403);
    expect((await request(t.server).get('/api/v1/webhooks/deliveries')).status).toBe(401);
    expectProblem(await list({ status: 'lost' }), 400, 'validation_failed');
    expectProblem(await list({ run_id: 'nope' }), 400, 'validation_failed');
    expectProblem(await list({ limit: '0' }), 400, 'validation_failed');
    expectProblem(await list({ limit: '101' }), 400, 'validation_failed');
    expectProblem(await list({ status: 'a\u0000' }), 400, 'validation_failed');
    expectProblem(await list({ extra: '1' }), 400, 'validation_failed');
    expect((await list({ status: 'failed', limit: '5' })).status).toBe(200);

    const redeliver = (deliveryId: string, as = admin) =>
      request(t.server)
        .post(`/api/v1/webhooks/deliveries/${deliveryId}/redeliver`)
        .set('Authorization', as);
    expectProblem(await redeliver('00000000-0000-4000-8000-000000000000'), 404, 'not_found');
    expectProblem(await redeliver('not-a-uuid'), 400, 'validation_failed');
    expect((await redeliver('00000000-0000-4000-8000-000000000000', auth)).status).toBe(403);
  });
});

describe('Webhook of a failed run (e2e)', () => {
  // The model is an OpenAI-compatible stand-in that answers every call with a 500 (what it does
  // with nothing queued), so each run fails, the way a provider outage fails it.
  let model: FakeOpenAIServer;
  let failing: TestApp;
  let token: string;
  let auth: string;

  beforeAll(async () => {
    model = await FakeOpenAIServer.start();
    failing = await startTestApp({
      ...WEBHOOK_ENV,
      LLM_PROVIDER: 'openai',
      OPENAI_BASE_URL: model.baseUrl,
      OPENAI_API_KEY: 'sk-test',
      LLM_MODEL: 'gpt-test',
      // No title call: the model's only request is the run's own.
      LLM_TITLES: 'false',
    });
    token = await tokenFor('hooked');
    auth = `Bearer ${token}`;
  });
  afterAll(async () => {
    await failing.close();
    await model.close();
  });

  it('sends run.failed naming the run, its conversation, status failed and the error code', async () => {
    const receiver = await startWebhookReceiver(() => 204);
    try {
      const id = await createConversation(failing.server, token);
      const run = await request(failing.server)
        .post(`/api/v1/conversations/${id}/runs`)
        .set('Authorization', auth)
        .send({ content: 'this one fails', webhook_url: receiver.url })
        .expect(202);
      await waitFor(() => (receiver.accepted().size > 0 ? true : undefined));
      expect(model.requests.length).toBeGreaterThan(0);

      // The run's own record of how it ended, to compare the notification with.
      const final = await request(failing.server)
        .get(run.headers.location)
        .set('Authorization', auth)
        .expect(200);
      expect(final.body).toMatchObject({ status: 'failed', error: { code: 'llm_error' } });

      expect(receiver.received).toHaveLength(1);
      const [entry] = receiver.received;
      // Verified with the standardwebhooks package by the receiver (null when it did not verify).
      expect(entry.verified).toEqual(JSON.parse(entry.body));
      expect(entry.headers['webhook-signature']).toMatch(/^v1,/);
      expect(entry.verified).toEqual({
        type: 'run.failed',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        data: {
          run_id: run.body.run_id,
          conversation_id: id,
          status: 'failed',
          finish_reason: final.body.finish_reason,
          message: null,
          error: {
            code: 'llm_error',
            message: final.body.error.message,
            retryable: final.body.error.retryable,
          },
        },
      });
      expect((entry.verified as WebhookBody).data.error!.message).toEqual(expect.any(String));
    } finally {
      await receiver.close();
    }
  });
});

describe('Webhook delivery across a killed instance (e2e, real processes)', () => {
  let database: { url: string; drop(): Promise<void> };
  const processes: ServerProcess[] = [];

  beforeAll(async () => {
    database = await cloneTestDatabase();
  });
  afterAll(async () => {
    for (const server of processes) {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
        await server.exited;
      }
    }
    await database.drop();
  });

  async function start(): Promise<string> {
    const port = await findFreePort();
    const server = startServerProcess({
      ...WEBHOOK_ENV,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      LOCAL_MODEL_TOKEN_DELAY_MS: '5',
      WEBHOOKS_LEASE_MS: '3000',
    });
    processes.push(server);
    const base = `http://127.0.0.1:${port}`;
    await waitForOk(`${base}/health/ready`);
    return base;
  }

  it('is delivered by the next instance once the killed sender’s lease is over', async () => {
    // The first request is held unanswered: the sender dies in the middle of it.
    const receiver = await startWebhookReceiver((i) => (i === 0 ? 'hold' : 200));
    try {
      const sender = await start();
      const conversation = (await (
        await fetch(`${sender}/api/v1/conversations`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{}',
        })
      ).json()) as { id: string };
      const started = await fetch(`${sender}/api/v1/conversations/${conversation.id}/runs`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ content: 'deliver me', webhook_url: receiver.url }),
      });
      expect(started.status).toBe(202);
      const run = (await started.json()) as { run_id: string };
      await waitFor(() => (receiver.received.length > 0 ? true : undefined));
      processes[0].child.kill('SIGKILL');
      await processes[0].exited;

      await start();
      await waitFor(() => (receiver.accepted().size > 0 ? true : undefined), 60_000);
      const [held, delivered] = receiver.received;
      expect(held.answered).toBeNull();
      expect(delivered.headers['webhook-id']).toBe(held.headers['webhook-id']);
      expect(delivered.verified).toMatchObject({
        type: 'run.completed',
        data: { run_id: run.run_id, status: 'completed' },
      });
      expect([...receiver.accepted().values()]).toEqual([1]);
    } finally {
      await receiver.close();
    }
  });
});
