import { mkdtemp, chmod, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './support/free-port';
import { buildServer, startServerProcess, waitForOk } from './support/server-process';

jest.setTimeout(120_000);

function portIsOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('Starting the server process', () => {
  beforeAll(() => buildServer());

  it('refuses a bad value with a message naming the variable, and no stack trace', async () => {
    const [badPort, production] = [
      startServerProcess({ PORT: 'eighty' }),
      startServerProcess({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x@127.0.0.1:1/x' }),
    ];
    expect(await badPort.exited).toBe(1);
    expect(badPort.output()).toContain(
      'PORT: must be an integer between 1 and 65535, got "eighty"',
    );
    expect(badPort.output()).not.toMatch(/\n\s+at /);
    expect(await production.exited).toBe(1);
    expect(production.output()).toMatch(
      /AUTH_JWT_SECRET: auth must be configured when NODE_ENV=production/,
    );
  });

  it('starts on embedded defaults with no DATABASE_URL, keeps data, and stops its PostgreSQL on SIGTERM', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'agent-server-embedded-'));
    await chmod(parent, 0o755);
    const [port, pgPort] = [await findFreePort(), await findFreePort()];
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      EMBEDDED_PG_DIR: join(parent, 'pg'),
      EMBEDDED_PG_PORT: String(pgPort),
      LOG_LEVEL: 'info',
    };
    const base = `http://127.0.0.1:${port}`;
    try {
      const first = startServerProcess(env);
      await waitForOk(`${base}/health`);
      const created = await fetch(`${base}/api/v1/conversations`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: 'survives a restart' }),
      });
      expect(created.status).toBe(201);
      expect(first.output()).toContain('Auth is OFF');
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(await portIsOpen(pgPort)).toBe(false);

      const second = startServerProcess(env);
      await waitForOk(`${base}/health`);
      const list = (await (await fetch(`${base}/api/v1/conversations`)).json()) as {
        items: Array<{ title: string }>;
      };
      expect(list.items.map((c) => c.title)).toEqual(['survives a restart']);
      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
