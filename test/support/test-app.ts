import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SignJWT } from 'jose';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import {
  ADMIN_URL_VARIABLE,
  TEMPLATE_VARIABLE,
  uniqueDatabaseName,
  withClient,
  withDatabase,
} from './test-database';

/** A running app on a real port, with its own freshly cloned database. */
export interface TestApp {
  app: INestApplication;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** The app's HTTP server, for supertest. */
  server: import('node:http').Server;
  databaseUrl: string;
  close(): Promise<void>;
}

/** The HS256 secret the e2e tests sign with. */
export const TEST_JWT_SECRET = 'e2e-secret-that-is-at-least-32-characters-long';

/** Clones the migrated template into a new database for one spec file. */
export async function cloneTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env[ADMIN_URL_VARIABLE];
  const template = process.env[TEMPLATE_VARIABLE];
  if (!adminUrl || !template) throw new Error('The e2e global setup did not run');
  const runId = template.replace(/^agent_test_tpl_/, '');
  const name = uniqueDatabaseName(`agent_test_f_${runId}`);
  await withClient(adminUrl, async (client) => {
    // Two workers cloning at the same instant can briefly see the template "in use": retry.
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        return;
      } catch (error) {
        if (attempt >= 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  });
  return {
    url: withDatabase(adminUrl, name),
    drop: () =>
      withClient(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      ).then(() => undefined),
  };
}

/**
 * Boots the real AppModule, configured exactly as `main.ts` does, against a fresh clone of the
 * migrated template. `env` adds or overrides environment variables for this app.
 *
 * Config namespaces (auth, limits, streaming…) are read from `process.env` whenever an app is
 * built, so apps in one file may differ. (@nestjs/config's `validate` ran once, at import.)
 */
export async function startTestApp(
  env: Record<string, string | undefined> = {},
  options: { shareDatabaseWith?: TestApp } = {},
): Promise<TestApp> {
  // A second instance of the service may share the first one's database (multi-replica tests).
  const database = options.shareDatabaseWith
    ? { url: options.shareDatabaseWith.databaseUrl, drop: () => Promise.resolve() }
    : await cloneTestDatabase();
  const previous = { ...process.env };
  Object.assign(process.env, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: database.url,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    DB_POOL_SIZE: '4',
    ...env,
  });
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete process.env[key];

  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({
    bodyParser: false,
    logger: false,
  });
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  process.env = previous;

  const server: import('node:http').Server = app.getHttpServer();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    server,
    baseUrl: `http://127.0.0.1:${port}`,
    databaseUrl: database.url,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

/** Signs a test token (HS256 with {@link TEST_JWT_SECRET}). */
export async function tokenFor(
  sub: string,
  options: { roles?: string[]; expiresIn?: string | number; secret?: string } = {},
): Promise<string> {
  return new SignJWT({ roles: options.roles ?? [] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}
