import { ADMIN_URL_VARIABLE, withClient } from './test-database';

/**
 * Takes a test database away (no new connections, existing ones terminated) or brings it back,
 * as an outage of the database server would look to the app.
 */
export function allowConnections(databaseUrl: string, allowed: boolean): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  return withClient(process.env[ADMIN_URL_VARIABLE]!, async (client) => {
    await client.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS ${allowed}`);
    if (!allowed) {
      await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
    }
  });
}
