import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './support/free-port';
import { logLines, startServerProcess, waitForOk } from './support/server-process';
import { openStream } from './support/stream-client';
import { cloneTestDatabase } from './support/test-app';

jest.setTimeout(420_000);

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

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const LONG = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');

/** `WEB_CONCURRENCY`: several server processes on one port, started and stopped by one. */
describe('WEB_CONCURRENCY=2 (e2e, real processes)', () => {
  it('serves from two workers, replaces workers killed mid-run (their run closed), and stops on SIGTERM', async () => {
    const database = await cloneTestDatabase();
    const port = await findFreePort();
    const base = `http://127.0.0.1:${port}`;
    const server = startServerProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      WEB_CONCURRENCY: '2',
      LOG_LEVEL: 'info',
      LOCAL_MODEL_TOKEN_DELAY_MS: '30',
      RUNS_ABANDONED_CHECK_MS: '500',
    });
    try {
      // Two servers starting at once on a busy machine: give them time.
      await waitForOk(`${base}/health/ready`, 150_000);
      const started = () => logLines(server).filter((line) => line.msg?.startsWith('Listening on'));
      await waitFor(() => started().length === 2, 150_000);
      const workers = started().map((line) => Number(line.pid));
      expect(new Set(workers).size).toBe(2);

      // A run on one of the workers, then that worker dies.
      const id = (
        (await (
          await fetch(`${base}/api/v1/conversations`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: '{}',
          })
        ).json()) as { id: string }
      ).id;
      await openStream(base, {
        path: `/api/v1/conversations/${id}/stream`,
        body: { content: LONG },
        onChunk: (_, soFar) => (soFar.match(/^id: /gm) ?? []).length >= 2,
      });
      for (const pid of workers) process.kill(pid, 'SIGKILL');
      await waitFor(() => started().length === 4, 150_000);
      await waitForOk(`${base}/health/ready`, 150_000);
      await waitFor(async () => {
        const page = (await (await fetch(`${base}/api/v1/conversations/${id}/events`)).json()) as {
          done: boolean;
          events: Array<{ code?: string }>;
        };
        return page.done && page.events.at(-1)?.code === 'run_abandoned';
      }, 20_000);

      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(await portIsOpen(port)).toBe(false);
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
      await database.drop();
    }
  });

  it('stops (exit 1) instead of forking again and again workers that cannot start', async () => {
    const server = startServerProcess({
      PORT: String(await findFreePort()),
      HOST: '127.0.0.1',
      WEB_CONCURRENCY: '2',
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nothing',
    });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('exited at start');
  });

  it('starts one embedded PostgreSQL for all workers and stops it on SIGTERM', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'agent-server-cluster-'));
    await chmod(parent, 0o755);
    const [port, pgPort] = [await findFreePort(), await findFreePort()];
    const server = startServerProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      WEB_CONCURRENCY: '2',
      EMBEDDED_PG_DIR: join(parent, 'pg'),
      EMBEDDED_PG_PORT: String(pgPort),
    });
    try {
      await waitForOk(`http://127.0.0.1:${port}/health/ready`, 120_000);
      const created = await fetch(`http://127.0.0.1:${port}/api/v1/conversations`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(created.status).toBe(201);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(await portIsOpen(pgPort)).toBe(false);
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
      await rm(parent, { recursive: true, force: true });
    }
  });
});
