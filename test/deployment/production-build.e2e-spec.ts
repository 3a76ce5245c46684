import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS } from '../../src/database/migrations';
import { withClient } from '../support/test-database';
import { findFreePort } from '../support/free-port';
import { cloneTestDatabase, tokenFor } from '../support/test-app';
import {
  buildLocalImage,
  removeLocalImage,
  startImageCommand,
  type ImageProcess,
  type LocalImage,
} from './local-image';

/**
 * The production build runs the way the image runs it: `dist/` compiled by `npm run build`, next to
 * production dependencies only (`npm ci --omit=dev`, as the Dockerfile installs them), started with
 * `node dist/main.js` and NODE_ENV=production. A runtime import that needs a devDependency, or a
 * file that is not in dist/, stops the process here. See ./local-image.ts for how the Dockerfile's
 * stages are replayed without Docker (one to two minutes: the compiler and `npm ci` run side by side).
 */

jest.setTimeout(60_000);

const SECRET = randomBytes(32).toString('hex');

/** Waits for /health to answer 200; fails at once, with the output, if the process exits first. */
async function waitForHealth(
  server: ImageProcess,
  base: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      await server.exited;
      throw new Error(
        `node dist/main.js exited (${server.child.exitCode ?? server.child.signalCode}) before answering:\n${server.output()}`,
      );
    }
    const ok = await fetch(`${base}/health`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) {
      throw new Error(`/health did not answer 200 within ${timeoutMs} ms:\n${server.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('The production build, with production dependencies only', () => {
  let parent: string | undefined;
  let image: LocalImage;
  let database: Awaited<ReturnType<typeof cloneTestDatabase>> | undefined;
  let server: ImageProcess | undefined;
  let base: string;
  /** The server's environment: the image's ENV, the database and the secret. */
  let env: Record<string, string>;

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'agent-server-image-'));
    await Promise.all([
      buildLocalImage(parent).then((built) => (image = built)),
      cloneTestDatabase().then(async (cloned) => {
        database = cloned;
        // Emptied, so that the migrations applied at start are the ones compiled into dist/.
        await withClient(cloned.url, (client) =>
          client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public'),
        );
      }),
    ]);

    const port = await findFreePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      ...image.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database!.url,
      AUTH_JWT_SECRET: SECRET,
    };
    server = startImageCommand(image, env);
    await waitForHealth(server, base);
  }, 300_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await database?.drop();
    if (parent) await removeLocalImage(parent);
  });

  it('holds no dev-only package in node_modules, and runs with NODE_ENV=production', () => {
    expect(image.env.NODE_ENV).toBe('production');
    expect(image.command).toEqual(['node', 'dist/main.js']);
    expect(existsSync(join(image.appDir, 'dist', 'main.js'))).toBe(true);
    expect(existsSync(join(image.appDir, 'src'))).toBe(false);
    const lock = JSON.parse(readFileSync(join(image.appDir, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.entries(lock.packages)
      .filter(([path, entry]) => entry.dev === true && path.startsWith('node_modules/'))
      .map(([path]) => path);
    expect(devOnly).toEqual(
      expect.arrayContaining(['node_modules/@nestjs/cli', 'node_modules/jest']),
    );
    expect(devOnly.filter((path) => existsSync(join(image.appDir, path)))).toEqual([]);
  });

  it('answers /health, and /health/ready once it has applied the migrations of dist/', async () => {
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    const applied = await withClient(database!.url, (client) =>
      client.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY id'),
    );
    expect(applied.rows.map((row) => row.name)).toEqual(MIGRATIONS.map((m) => m.name));
  });

  it('serves the OpenAPI document at /docs-json', async () => {
    const res = await fetch(`${base}/docs-json`);
    expect(res.status).toBe(200);
    const document = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toContain('/api/v1/conversations');
  });

  it('requires a valid token: auth is on in production', async () => {
    const list = (token?: string) =>
      fetch(`${base}/api/v1/conversations`, {
        headers: token ? { Authorization: `Bearer ${token}` } : {},
      });
    expect((await list()).status).toBe(401);
    const forged = await tokenFor('someone', { secret: randomBytes(32).toString('hex') });
    expect((await list(forged)).status).toBe(401);
    const res = await list(await tokenFor('someone', { secret: SECRET }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('stores a conversation and answers a message with an agent run', async () => {
    const headers = {
      Authorization: `Bearer ${await tokenFor('runner', { secret: SECRET })}`,
      'Content-Type': 'application/json',
    };
    const created = await fetch(`${base}/api/v1/conversations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ title: 'from the image' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const answered = await fetch(`${base}/api/v1/conversations/${id}/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ content: 'what is 12 * (3 + 4)?' }),
    });
    expect(answered.status).toBe(201);
    const body = (await answered.json()) as { assistant_message: { content: string } };
    expect(body.assistant_message.content).toContain('84');
  });

  it('runs the migrations from the image (node dist/database/cli.js run): nothing left to apply', async () => {
    // With the image's settings and DATABASE_URL only: a migration run needs no auth secret or
    // model key, even with NODE_ENV=production (and a bad unrelated value does not stop it).
    const cli = startImageCommand(
      image,
      { ...image.env, DATABASE_URL: env.DATABASE_URL, LLM_PROVIDER: 'not-a-provider' },
      ['node', 'dist/database/cli.js', 'run'],
    );
    expect({ code: await cli.exited, output: cli.output() }).toEqual({
      code: 0,
      output: expect.stringContaining('nothing to apply'),
    });
  });

  it('exits with code 0 on SIGTERM', async () => {
    server!.child.kill('SIGTERM');
    expect(await server!.exited).toBe(0);
  });
});
