import request from 'supertest';
import { WebhookOutbox } from '../src/webhooks';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { startWebhookReceiver, TEST_WEBHOOK_SECRET } from './support/webhook-receiver';

jest.setTimeout(120_000);

/** Webhooks on, to local receivers (loopback and http allowed, as in tests only). */
const WEBHOOK_ENV = {
  WEBHOOKS_SECRET: TEST_WEBHOOK_SECRET,
  WEBHOOKS_ALLOW_HTTP: 'true',
  WEBHOOKS_ALLOW_PRIVATE: 'true',
  LOCAL_MODEL_TOKEN_DELAY_MS: '1',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Receiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
type Delivery = Record<string, unknown> & { id: string; status: string; attempts: number };

/** Calls to one app over HTTP as a user and as an operator. */
function clientOf(app: TestApp, auth: string, admin: string) {
  return {
    newConversation: async () =>
      (
        await request(app.server)
          .post('/api/v1/conversations')
          .set('Authorization', auth)
          .send({})
          .expect(201)
      ).body.id as string,
    /** Starts a background run reporting to `url`; answers its id. */
    startRun: async (conversationId: string, url: string) =>
      (
        await request(app.server)
          .post(`/api/v1/conversations/${conversationId}/runs`)
          .set('Authorization', auth)
          .send({ content: 'hello webhook', webhook_url: url })
          .expect(202)
      ).body.run_id as string,
    deliveries: async (query: Record<string, string>) =>
      (
        await request(app.server)
          .get('/api/v1/webhooks/deliveries')
          .query({ limit: '100', ...query })
          .set('Authorization', admin)
          .expect(200)
      ).body.items as Delivery[],
    redeliver: (id: string) =>
      request(app.server)
        .post(`/api/v1/webhooks/deliveries/${id}/redeliver`)
        .set('Authorization', admin)
        .expect(202),
    metrics: async () => (await request(app.server).get('/metrics').expect(200)).text,
  };
}

/** The value of one series in Prometheus text (any `METRICS_PREFIX`), or undefined. */
function seriesValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => new RegExp(`^\\w*${escapeRegExp(series)} `).test(l));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('Webhook deliveries sent by two instances at once, and the queue depth (e2e)', () => {
  // Two instances of the service on one database, both running their dispatcher. A failed
  // attempt is retried only 5 to 10 minutes later, so deliveries whose receiver failed stay
  // pending ("parked") until the test makes them due with the operators' redeliver.
  const env = {
    ...WEBHOOK_ENV,
    WEBHOOKS_POLL_MS: '50',
    // Small claims, so that a burst of due deliveries is shared between the instances.
    WEBHOOKS_BATCH: '2',
    WEBHOOKS_BACKOFF_BASE_MS: '600000',
    WEBHOOKS_BACKOFF_MAX_MS: '600000',
    // Every parked delivery fails once against the same host: its breaker must stay closed.
    CB_WEBHOOKS_FAILURE_THRESHOLD: '1000',
  };
  let a: TestApp;
  let b: TestApp;
  let auth: string;
  let admin: string;

  beforeAll(async () => {
    a = await startTestApp(env);
    b = await startTestApp(env, { shareDatabaseWith: a });
    auth = `Bearer ${await tokenFor('hooked')}`;
    admin = `Bearer ${await tokenFor('operator', { roles: ['admin'] })}`;
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  /**
   * Starts `count` background runs (half on each instance) reporting to `receiver`, which must
   * answer them with an error: waits until each run's delivery failed and is pending, due
   * minutes from now. Answers the deliveries.
   */
  async function park(receiver: Receiver, count: number): Promise<Delivery[]> {
    const runIds: string[] = [];
    for (let i = 0; i < count; i++) {
      const client = clientOf(i % 2 === 0 ? a : b, auth, admin);
      runIds.push(await client.startRun(await client.newConversation(), receiver.url));
    }
    const api = clientOf(a, auth, admin);
    return waitFor(async () => {
      const pending = (await api.deliveries({ status: 'pending' })).filter(
        // An attempt recorded (not merely claimed): nothing of it is in flight any more.
        (d) => runIds.includes(d.run_id as string) && d.last_status_code !== null,
      );
      return pending.length === count ? pending : undefined;
    });
  }

  it('counts the pending deliveries in webhook_queue_depth, and goes back to 0 once they are delivered', async () => {
    const receiver = await startWebhookReceiver(() => 503);
    const api = clientOf(a, auth, admin);
    try {
      const parked = await park(receiver, 3);
      // The gauge is set at the end of every dispatcher round: it catches up with the table.
      const depth = await waitFor(async () => {
        const value = seriesValue(await api.metrics(), 'webhook_queue_depth');
        return value === 3 ? value : undefined;
      });
      expect(depth).toBeGreaterThan(0);
      expect(depth).toBe((await api.deliveries({ status: 'pending' })).length);

      receiver.setBehaviour(() => 200);
      for (const delivery of parked) await api.redeliver(delivery.id);
      await waitFor(() => (receiver.accepted().size === 3 ? true : undefined));
      await waitFor(async () =>
        seriesValue(await api.metrics(), 'webhook_queue_depth') === 0 ? true : undefined,
      );
      expect(await api.deliveries({ status: 'pending' })).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it('delivers each of many due deliveries exactly once while both instances claim them', async () => {
    const count = 10;
    const receiver = await startWebhookReceiver(() => 503);
    // Which deliveries each instance's dispatcher claimed (FOR UPDATE SKIP LOCKED, then a lease).
    const claimedBy = new Map<TestApp, string[]>([
      [a, []],
      [b, []],
    ]);
    const spies = [a, b].map((app) => {
      const outbox = app.app.get(WebhookOutbox);
      const claim = outbox.claim.bind(outbox);
      return jest.spyOn(outbox, 'claim').mockImplementation(async (limit, leaseMs) => {
        const claimed = await claim(limit, leaseMs);
        claimedBy.get(app)!.push(...claimed.map((delivery) => delivery.id));
        return claimed;
      });
    });
    const api = clientOf(a, auth, admin);
    try {
      const parked = await park(receiver, count);
      const ids = parked.map((delivery) => delivery.id).sort();
      // The first attempts, claimed by both instances as the runs ended, were made once each.
      expect(parked.map((delivery) => delivery.attempts)).toEqual(ids.map(() => 1));
      expect(receiver.received).toHaveLength(count);
      expect([...claimedBy.get(a)!, ...claimedBy.get(b)!].sort()).toEqual(ids);
      for (const list of claimedBy.values()) list.length = 0;

      // All due at the same moment, with both instances polling every 50 ms.
      receiver.setBehaviour(() => 200);
      await Promise.all(parked.map((delivery) => api.redeliver(delivery.id)));
      await waitFor(() => (receiver.accepted().size === count ? true : undefined));
      // Long enough for a second delivery of any of them (a poll is 50 ms) to show.
      await sleep(1500);

      const accepted = receiver.accepted();
      expect([...accepted.keys()].sort()).toEqual(ids);
      expect([...accepted.values()]).toEqual(Array.from({ length: count }, () => 1));
      // Nothing but the parked attempt (503) and the one delivery (200) per webhook-id.
      expect(receiver.received).toHaveLength(2 * count);
      // Each was claimed by one instance only, and both instances took part.
      const byA = claimedBy.get(a)!;
      const byB = claimedBy.get(b)!;
      expect([...byA, ...byB].sort()).toEqual(ids);
      expect(byA.length).toBeGreaterThan(0);
      expect(byB.length).toBeGreaterThan(0);
      const delivered = (await api.deliveries({ status: 'delivered' })).filter((d) =>
        ids.includes(d.id),
      );
      expect(delivered.map((d) => d.attempts)).toEqual(Array.from({ length: count }, () => 2));
    } finally {
      for (const spy of spies) spy.mockRestore();
      await receiver.close();
    }
  });
});

describe('The webhooks breaker of one destination host (e2e)', () => {
  // Two failed calls to a host open its breaker for ten minutes: long enough to look at it.
  const env = {
    ...WEBHOOK_ENV,
    WEBHOOKS_POLL_MS: '100',
    WEBHOOKS_BACKOFF_BASE_MS: '200',
    WEBHOOKS_BACKOFF_MAX_MS: '1000',
    CB_WEBHOOKS_FAILURE_THRESHOLD: '2',
    CB_WEBHOOKS_RECOVERY_TIMEOUT_MS: '600000',
    CB_WEBHOOKS_MAX_RECOVERY_TIMEOUT_MS: '600000',
  };
  let t: TestApp;
  let auth: string;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp(env);
    auth = `Bearer ${await tokenFor('hooked')}`;
    admin = `Bearer ${await tokenFor('operator', { roles: ['admin'] })}`;
  });
  afterAll(() => t.close());

  it('opens after repeated failures to one host, shows it open, and does not hold back another host', async () => {
    const down = await startWebhookReceiver(() => 500);
    const up = await startWebhookReceiver(() => 204);
    const api = clientOf(t, auth, admin);
    // A breaker per `host:port`: the two receivers are two destinations.
    const downBreaker = `webhooks:${new URL(down.url).host}`;
    const upBreaker = `webhooks:${new URL(up.url).host}`;
    try {
      const failing = await api.startRun(await api.newConversation(), down.url);
      // The third attempt is refused by the open circuit, without a request to the receiver.
      const refused = await waitFor(async () => {
        const [delivery] = await api.deliveries({ run_id: failing });
        return delivery !== undefined && delivery.attempts >= 3 ? delivery : undefined;
      });
      expect(refused).toMatchObject({ status: 'pending', last_status_code: null });
      expect(refused.last_error).toMatch(/circuit_open/);
      expect(
        (refused.attempt_log as Array<{ status_code: number | null }>).map((a) => a.status_code),
      ).toEqual([500, 500, null]);
      // Not due again before the circuit would let a call through (minutes, not the backoff).
      expect(Date.parse(refused.next_attempt_at as string) - Date.now()).toBeGreaterThan(60_000);
      expect(down.received).toHaveLength(2);

      // Operators see it open: the breaker listing, the detailed health, the metrics.
      const listed = (
        await request(t.server)
          .get('/api/v1/resilience/circuit-breakers')
          .set('Authorization', auth)
          .expect(200)
      ).body as Array<{ name: string; state: string; metrics: { failed_calls: number } }>;
      expect(listed.find((b) => b.name === downBreaker)).toMatchObject({
        state: 'OPEN',
        metrics: { failed_calls: 2 },
      });
      expect(listed.find((b) => b.name === 'webhooks')).toMatchObject({ state: 'CLOSED' });
      const health = await request(t.server)
        .get('/health/detailed')
        .set('Authorization', admin)
        .expect(200);
      expect(health.body.details.circuit_breakers).toMatchObject({
        state: 'degraded',
        breakers: { [downBreaker]: { state: 'OPEN' } },
      });
      const metrics = await api.metrics();
      expect(seriesValue(metrics, `circuit_breaker_state{breaker="${downBreaker}"}`)).toBe(2);
      expect(
        seriesValue(metrics, 'webhook_delivery_failures_total{reason="circuit_open"}'),
      ).toBeGreaterThanOrEqual(1);

      // Another host is delivered to at once, through its own breaker, closed.
      const other = await api.startRun(await api.newConversation(), up.url);
      const delivered = await waitFor(async () => {
        const [delivery] = await api.deliveries({ run_id: other });
        return delivery?.status === 'delivered' ? delivery : undefined;
      });
      expect(delivered).toMatchObject({ attempts: 1, last_status_code: 204 });
      expect([...up.accepted().values()]).toEqual([1]);
      const after = (
        await request(t.server)
          .get('/api/v1/resilience/circuit-breakers')
          .set('Authorization', auth)
          .expect(200)
      ).body as Array<{ name: string; state: string }>;
      expect(after.find((b) => b.name === upBreaker)).toMatchObject({ state: 'CLOSED' });
      expect(after.find((b) => b.name === downBreaker)).toMatchObject({ state: 'OPEN' });
      expect(down.received).toHaveLength(2);
    } finally {
      await down.close();
      await up.close();
    }
  });
});
