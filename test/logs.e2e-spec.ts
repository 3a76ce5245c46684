import { randomUUID } from 'node:crypto';
import { allowConnections } from './support/database-connections';
import { findFreePort } from './support/free-port';
import {
  logLines,
  startServerProcess,
  waitForLogLine,
  waitForOk,
  type LogLine,
  type ServerProcess,
} from './support/server-process';
import { cloneTestDatabase } from './support/test-app';
import { withClient } from './support/test-database';

jest.setTimeout(60_000);

/**
 * What the real process writes (`node main.js`, JSON logs at info), read from its output: the
 * access log covers every request, expected refusals are one warning each, and no user content
 * from a failing query reaches the log.
 */
describe('The server log (e2e)', () => {
  let server: ServerProcess;
  let base: string;
  let database: { url: string; drop(): Promise<void> };

  const withRequestId = (id: string) => (line: LogLine) =>
    line.request_id === id || (line.req as { id?: string } | undefined)?.id === id;
  const linesOf = (id: string) => logLines(server).filter(withRequestId(id));
  const call = async (path: string, init: RequestInit = {}) => {
    const id = `t-${randomUUID()}`;
    const res = await fetch(`${base}${path}`, {
      ...init,
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': id },
    });
    await res.text();
    // The access line is the last one written for a request.
    await waitForLogLine(server, (line) => withRequestId(id)(line) && line.res !== undefined);
    return { id, status: res.status };
  };

  beforeAll(async () => {
    database = await cloneTestDatabase();
    // Lets a test make an insert fail inside PostgreSQL with the user's text in the row.
    await withClient(database.url, (client) =>
      client.query(
        "ALTER TABLE conversations ADD CONSTRAINT no_canary CHECK (title NOT LIKE '%canary%')",
      ),
    );
    const port = await findFreePort();
    base = `http://127.0.0.1:${port}`;
    server = startServerProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      LOG_LEVEL: 'info',
      RATE_LIMIT_MAX: '0',
      CB_DATABASE_FAILURE_THRESHOLD: '2',
      CB_DATABASE_RECOVERY_TIMEOUT_MS: '60000',
    });
    await waitForOk(`${base}/health/ready`);
  });
  afterAll(async () => {
    await allowConnections(database.url, true);
    server.child.kill('SIGTERM');
    await server.exited;
    await database.drop();
  });

  it.each(['/nope', '/api/v2/conversations', '/metrics/extra', '/api/v1/nope'])(
    'writes an access line with the request id for the unknown route %s',
    async (path) => {
      const { id, status } = await call(path);
      expect(status).toBe(404);
      const access = linesOf(id).find((line) => line.res !== undefined);
      expect(access).toMatchObject({ request_id: id, res: { statusCode: 404 } });
    },
  );

  it('never logs a stream token given as ?access_token=', async () => {
    const secret = `canary-${randomUUID()}`;
    const path = `/api/v1/conversations/${randomUUID()}/stream?format=sse&access_token=${secret}`;
    const { id } = await call(path);
    const access = linesOf(id).find((line) => line.res !== undefined);
    expect((access?.req as { url?: string }).url).toContain('access_token=[redacted]');
    expect(JSON.stringify(logLines(server))).not.toContain(secret);
  });

  it('never logs the parameters or row values of a failing query', async () => {
    const canary = `canary-${randomUUID()}`;
    const { id, status } = await call('/api/v1/conversations', {
      method: 'POST',
      body: JSON.stringify({ title: canary }),
    });
    expect(status).toBe(500);
    // An unexpected error is still logged as one, with its stack and the statement.
    const logged = linesOf(id).find((line) => line.level === 50);
    expect(logged?.err).toMatchObject({ type: 'QueryFailedError', code: '23514' });
    expect((logged?.err as { stack?: string }).stack).toMatch(/\n\s+at /);
    expect(server.output()).not.toContain(canary);
  });

  it('writes one warning without a stack for each expected refusal, and no error', async () => {
    const refused = [
      await call('/api/v1/conversations/00000000-0000-4000-8000-000000000000'),
      await call('/api/v1/conversations', { method: 'POST', body: '{"title": 1}' }),
    ];
    await allowConnections(database.url, false);
    for (let i = 0; i < 4; i++) refused.push(await call('/api/v1/conversations'));
    expect(refused.map((r) => r.status)).toEqual([404, 400, 503, 503, 503, 503]);

    for (const { id } of refused) {
      const lines = linesOf(id);
      expect(lines.filter((line) => line.level >= 40).map((line) => line.level)).toEqual([40]);
      expect(JSON.stringify(lines)).not.toMatch(/"stack"/);
    }
    // Both kinds of 503: the failures themselves, then the open circuit.
    const codes = refused.slice(2).map(({ id }) => linesOf(id).find((l) => l.level === 40)?.code);
    expect(codes).toEqual(expect.arrayContaining(['database_unavailable', 'circuit_open']));
  });
});
