import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/** The PostgreSQL schema of LangGraph's checkpoint tables, apart from the app's own. */
export const CHECKPOINT_SCHEMA = 'langgraph';

/** Any number fixed for this purpose: instances starting together create the tables once. */
const SETUP_LOCK_KEY = 7_248_110_316;

/**
 * Where runs paused for approval keep their state: LangGraph's PostgreSQL checkpointer on the app's
 * own connection pool, so that any instance, also after a restart, continues a paused run. Its
 * tables are created (or migrated by the library) at start-up, by one instance at a time.
 */
export async function createRunCheckpoints(dataSource: DataSource): Promise<PostgresSaver> {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const saver = new PostgresSaver(pool, undefined, { schema: CHECKPOINT_SCHEMA });
  const lock = await pool.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [SETUP_LOCK_KEY]);
    await saver.setup();
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [SETUP_LOCK_KEY]).catch(() => undefined);
    lock.release();
  }
  return saver;
}
