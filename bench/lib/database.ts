import { join } from 'node:path';
// The bench and the e2e suite share one way to find a port and to talk to PostgreSQL (test/support).
import { findFreePort } from '../../test/support/free-port';
import { uniqueDatabaseName, withClient, withDatabase } from '../../test/support/test-database';

/** Where the bench's PostgreSQL is, and how instances reach it. */
export interface BenchDatabase {
  kind: 'external' | 'embedded';
  /** Connection string of the bench's database, valid once the owner instance is ready. */
  url: string;
  /** Environment of the first app instance (which starts the embedded server, when there is one). */
  ownerEnv: Record<string, string>;
  /** Environment of every other process: the running database. */
  clientEnv: Record<string, string>;
  /** Data directory of the embedded server (to stop an orphan), if any. */
  embeddedDir?: string;
  /** Drops the bench database (external server only). */
  dispose(): Promise<void>;
}

// The embedded server's fixed credentials and database (src/database/embedded-postgres.ts).
const EMBEDDED_CREDENTIALS = 'postgres:postgres';
const EMBEDDED_DATABASE = 'postgres';

/**
 * With DATABASE_URL: a fresh `agent_bench_*` database on that server (the bench inserts tens of
 * thousands of rows; it never writes into the database the URL names), dropped at the end.
 * Without: the first app instance starts its own embedded PostgreSQL in a temporary folder on a
 * free port, as `npm start` would, and the other processes connect to it.
 */
export async function prepareDatabase(tmpDir: string): Promise<BenchDatabase> {
  const external = process.env.DATABASE_URL;
  if (external) {
    const name = uniqueDatabaseName('agent_bench');
    await withClient(external, (c) => c.query(`CREATE DATABASE "${name}"`));
    const url = withDatabase(external, name);
    const env = { DATABASE_URL: url };
    return {
      kind: 'external',
      url,
      ownerEnv: env,
      clientEnv: env,
      dispose: () =>
        withClient(external, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
          () => undefined,
        ),
    };
  }
  const port = await findFreePort();
  const dir = join(tmpDir, 'postgres');
  const url = `postgres://${EMBEDDED_CREDENTIALS}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
  return {
    kind: 'embedded',
    url,
    ownerEnv: { EMBEDDED_PG_DIR: dir, EMBEDDED_PG_PORT: String(port) },
    clientEnv: { DATABASE_URL: url },
    embeddedDir: dir,
    dispose: () => Promise.resolve(),
  };
}

/**
 * `VACUUM ANALYZE` of tables of the bench database, as autovacuum does soon after a bulk load: what
 * is measured next runs on settled tables (statistics, visibility map) with no autovacuum meanwhile.
 */
export async function vacuumAnalyze(url: string, tables: string[]): Promise<void> {
  await withClient(url, (db) => db.query(`VACUUM ANALYZE ${tables.join(', ')}`));
}
