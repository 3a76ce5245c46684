import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './processes';

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
    const name = `agent_bench_${Date.now().toString(36)}_${process.pid}`;
    await withClient(external, (c) => c.query(`CREATE DATABASE "${name}"`));
    const url = new URL(external);
    url.pathname = `/${name}`;
    const env = { DATABASE_URL: url.toString() };
    return {
      kind: 'external',
      url: url.toString(),
      ownerEnv: env,
      clientEnv: env,
      dispose: () =>
        withClient(external, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
          () => undefined,
        ),
    };
  }
  const port = await freePort();
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

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * `VACUUM ANALYZE` of tables of the bench database, as autovacuum does soon after a bulk load: what
 * is measured next runs on settled tables (statistics, visibility map) with no autovacuum meanwhile.
 */
export async function vacuumAnalyze(url: string, tables: string[]): Promise<void> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    await db.query(`VACUUM ANALYZE ${tables.join(', ')}`);
  } finally {
    await db.end();
  }
}
