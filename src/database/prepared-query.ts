import { createHash } from 'node:crypto';
import { DatabaseError, type Pool, type PoolClient, type QueryResultRow } from 'pg';
import { DataSource, type EntityManager, QueryFailedError } from 'typeorm';

/**
 * The most statement texts kept prepared. The texts given are templates (a few per call site); past
 * this bound a text is run unprepared, so that a caller building texts from data cannot fill every
 * connection with statements.
 */
const MAX_PREPARED_TEXTS = 256;
const names = new Map<string, string>();

/** A name for the text: the same for the same text, in every process (a digest of it). */
function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_PREPARED_TEXTS) {
    name = `q_${createHash('sha1').update(text).digest('base64url')}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Runs a statement as a named prepared statement: PostgreSQL parses and plans it once per
 * connection instead of on every call (after five runs it may keep a generic plan). For the large
 * statements of the run's hot path (its start, events and end): planning the run-start statement
 * (a dozen CTEs) cost more than executing it. `text` must be a template whose values all go in
 * `values`. On a manager's own connection (a query runner) it runs there; otherwise on a pooled
 * connection. Errors are TypeORM's `QueryFailedError`, as `query()` throws, so callers and the
 * `database` breaker classify them as before; connection and pool errors pass as they are.
 */
export async function preparedQuery<T>(
  on: EntityManager | DataSource,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const name = nameOf(text);
  const runner = on instanceof DataSource ? undefined : on.queryRunner;
  const dataSource = on instanceof DataSource ? on : (on.connection as DataSource | undefined);
  const pool = (dataSource?.driver as unknown as { master?: Pool } | undefined)?.master;
  try {
    const client = runner && !runner.isReleased ? ((await runner.connect()) as PoolClient) : pool;
    // No connection of our own to name a statement on (a text past the bound, or no pool).
    if (name === undefined || !client) return await on.query<T[]>(text, values);
    const result = await client.query<T & QueryResultRow>({ name, text, values });
    return result.rows;
  } catch (error) {
    // What PostgreSQL answered, as TypeORM reports it; connection and pool errors as they are.
    if (error instanceof DatabaseError) throw new QueryFailedError(text, values, error);
    throw error;
  }
}
