import type { PoolClient } from 'pg';
import { type EntityManager, QueryFailedError } from 'typeorm';

/**
 * Runs a statement as a named prepared statement on the manager's connection: PostgreSQL parses and
 * plans it once per connection instead of on every call (after five runs it may keep a generic
 * plan). For large statements on hot paths only: planning the run-start statement (a dozen CTEs)
 * cost more than executing it. Errors are TypeORM's `QueryFailedError`, as `manager.query` throws,
 * so callers and the `database` breaker classify them as before. A manager without a connection of
 * its own (the breaker open: nothing runs anyway) goes through `manager.query`.
 *
 * `name` must name one text for the life of the process (pg refuses the same name with another).
 */
export async function preparedQuery<T>(
  manager: EntityManager,
  name: string,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const runner = manager.queryRunner;
  if (!runner || runner.isReleased) return manager.query<T[]>(text, values);
  const client = (await runner.connect()) as PoolClient;
  try {
    const result = await client.query<T & object>({ name, text, values });
    return result.rows;
  } catch (error) {
    throw new QueryFailedError(text, values, error as Error);
  }
}
