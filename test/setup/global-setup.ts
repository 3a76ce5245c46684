import { mkdtemp, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/database/embedded-postgres';
import { buildDataSourceOptions } from '../../src/database/typeorm-options';
import {
  ADMIN_URL_VARIABLE,
  TEMPLATE_VARIABLE,
  assertTestDatabaseName,
  uniqueDatabaseName,
  withClient,
  withDatabase,
} from '../support/test-database';
import { findFreePort } from '../support/free-port';
import { buildServer } from '../support/server-process';

declare global {
  var __EMBEDDED_TEST_DB__: EmbeddedDatabase | undefined;
}

/**
 * Once per `npm test`: picks the PostgreSQL server (DATABASE_URL, else a throw-away embedded one),
 * creates a template database and migrates it, and compiles the server for the process specs. Each spec file then clones the template (fast,
 * isolated), so no state is shared between files.
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const parent = await mkdtemp(join(tmpdir(), 'agent-server-test-'));
    await chmod(parent, 0o755);
    const server = await startEmbeddedPostgres({
      dir: join(parent, 'pgdata'),
      port: await findFreePort(),
      persistent: false,
    });
    globalThis.__EMBEDDED_TEST_DB__ = server;
    adminUrl = server.url;
  }
  const template = uniqueDatabaseName('agent_test_tpl');
  assertTestDatabaseName(template);
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE "${template}"`));

  const dataSource = new DataSource(
    buildDataSourceOptions({
      url: withDatabase(adminUrl, template),
      poolSize: 2,
      statementTimeoutMs: 0,
    }),
  );
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();

  // For the specs that run the real entry point as a process.
  buildServer();

  process.env[ADMIN_URL_VARIABLE] = adminUrl;
  process.env[TEMPLATE_VARIABLE] = template;
}
