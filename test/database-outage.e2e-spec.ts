import request from 'supertest';
import { allowConnections } from './support/database-connections';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

/** Polls `probe` until it answers `status`; fails after `withinMs`. */
async function waitForStatus(
  probe: () => Promise<{ status: number }>,
  status: number,
  withinMs: number,
): Promise<void> {
  const started = Date.now();
  for (;;) {
    if ((await probe()).status === status) return;
    if (Date.now() - started > withinMs) {
      throw new Error(`still not ${status} after ${withinMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The database goes away under a running app (no new connections allowed, existing ones killed)
 * and comes back: REST answers 503 with Retry-After (never a 500 or a hang), the database circuit
 * opens, readiness fails while liveness stays up, and everything recovers without a restart.
 */
describe('A database outage (e2e)', () => {
  let t: TestApp;
  let auth: string;

  const setConnections = (allowed: boolean) => allowConnections(t.databaseUrl, allowed);

  beforeAll(async () => {
    t = await startTestApp({
      CB_DATABASE_FAILURE_THRESHOLD: '3',
      CB_DATABASE_RECOVERY_TIMEOUT_MS: '500',
      CB_DATABASE_SUCCESS_THRESHOLD: '1',
      HEALTH_DETAILED_PUBLIC: 'true',
    });
    auth = `Bearer ${await tokenFor('outage')}`;
  });
  afterAll(async () => {
    await setConnections(true);
    await t.close();
  });

  it('answers 503, opens the circuit, fails readiness, then recovers by itself', async () => {
    await request(t.server).get('/api/v1/conversations').set('Authorization', auth).expect(200);
    await setConnections(false);

    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await request(t.server).get('/api/v1/conversations').set('Authorization', auth);
      expect(res.status).toBe(503);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      codes.push(res.body.code as string);
    }
    // First the failures themselves, then the open circuit refusing without trying.
    expect(codes[0]).toBe('database_unavailable');
    expect(codes.at(-1)).toBe('circuit_open');

    expect((await request(t.server).get('/health/ready')).status).toBe(503);
    const detailed = await request(t.server).get('/health/detailed');
    expect(detailed.status).toBe(503);
    expect(detailed.body.error.database).toBeDefined();
    expect((await request(t.server).get('/health')).status).toBe(200);

    await setConnections(true);
    await new Promise((resolve) => setTimeout(resolve, 600));
    await request(t.server).get('/api/v1/conversations').set('Authorization', auth).expect(200);
    await request(t.server).get('/health/ready').expect(200);
  });
});

/**
 * With production's long open period (a minute), the breaker must not keep readiness and the API
 * down after the database is back: a successful readiness ping counts as a trial call, so every
 * replica is ready again within a probe or two, not when its open period happens to end.
 */
describe('Recovering from a database outage with a long open period (e2e)', () => {
  let t: TestApp;
  let auth: string;

  beforeAll(async () => {
    t = await startTestApp({
      CB_DATABASE_FAILURE_THRESHOLD: '2',
      CB_DATABASE_RECOVERY_TIMEOUT_MS: '60000',
      CB_DATABASE_SUCCESS_THRESHOLD: '2',
    });
    auth = `Bearer ${await tokenFor('outage-long')}`;
  });
  afterAll(async () => {
    await allowConnections(t.databaseUrl, true);
    await t.close();
  });

  const list = () => request(t.server).get('/api/v1/conversations').set('Authorization', auth);
  const ready = () => request(t.server).get('/health/ready');

  it('is ready and serving again within seconds of the database coming back', async () => {
    await allowConnections(t.databaseUrl, false);
    for (let i = 0; i < 3; i++) expect((await list()).status).toBe(503);
    expect((await list()).body.code).toBe('circuit_open');
    // While the database is still away, failing pings neither heal nor extend the open circuit.
    const down = await ready();
    expect(down.status).toBe(503);
    expect(down.body.error.database_circuit.circuit_state).toBe('OPEN');

    await allowConnections(t.databaseUrl, true);
    // One probe should do; a few seconds leave room for a loaded machine.
    await waitForStatus(ready, 200, 5_000);
    await waitForStatus(list, 200, 5_000);
    // The API's own trial call closed the circuit: later calls are not refused.
    for (let i = 0; i < 3; i++) expect((await list()).status).toBe(200);
    expect((await ready()).body.info.database_circuit.circuit_state).toBe('CLOSED');
  });
});
