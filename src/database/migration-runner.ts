import type { DataSource, Migration } from 'typeorm';

// Any fixed 64-bit number; replicas starting together take turns instead of racing the migrations.
const MIGRATION_LOCK_KEY = 7_204_316_551;

/**
 * Applies pending migrations while holding a PostgreSQL advisory lock, so that several replicas
 * starting at once (or the Helm migration Job and a pod) never run the same migration twice.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
