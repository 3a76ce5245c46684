import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The server the e2e run uses; set by the global setup for every worker. */
export const ADMIN_URL_VARIABLE = 'TEST_DATABASE_ADMIN_URL';
/** The migrated template every spec file's database is cloned from. */
export const TEMPLATE_VARIABLE = 'TEST_DATABASE_TEMPLATE';

/** Returns the URL with another database name. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Runs `work` with one client connected to `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A database name that says what it is and cannot collide across runs. */
export function uniqueDatabaseName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** Refuses to touch a server database whose name does not say it is a test one. */
export function assertTestDatabaseName(name: string): void {
  if (!/test/i.test(name)) {
    throw new Error(`Refusing to use database "${name}" for tests: its name must contain "test".`);
  }
}
