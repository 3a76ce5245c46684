import request from 'supertest';
import { ADMIN_URL_VARIABLE, withAdminClient } from './setup/test-database';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

/**
 * The database goes away under a running app (no new connections allowed, existing ones killed)
 * and comes back: REST answers 503 with Retry-After (never a 500 or a hang), the database circuit
 * opens, readiness fails while liveness stays up, and everything recovers without a restart.
 */
describe('A database outage (e2e)', () => {
  let t: TestApp;
  let auth: string;
  let name: string;

  const setConnections = (allowed: boolean) =>
    withAdminClient(process.env[ADMIN_URL_VARIABLE]!, async (client) => {
      await client.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS ${allowed}`);
      if (!allowed) {
        await client.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
          [name],
        );
      }
    });

  beforeAll(async () => {
    t = await startTestApp({
      CB_DATABASE_FAILURE_THRESHOLD: '3',
      CB_DATABASE_RECOVERY_TIMEOUT_MS: '500',
      CB_DATABASE_SUCCESS_THRESHOLD: '1',
      HEALTH_DETAILED_PUBLIC: 'true',
    });
    name = new URL(t.databaseUrl).pathname.slice(1);
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
