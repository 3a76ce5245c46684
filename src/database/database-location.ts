import { Logger } from '@nestjs/common';
import type { DatabaseConfig } from '../config';
import { startEmbeddedPostgres } from './embedded-postgres';

/** Injection token of the {@link DatabaseLocation} the app connects to. */
export const DATABASE_LOCATION = Symbol('DATABASE_LOCATION');

/** The database the process uses, and whether the process owns (and must stop) its server. */
export interface DatabaseLocation {
  readonly url: string;
  readonly embedded: boolean;
  /** Stops the embedded server; a no-op for an external database. */
  stop(): Promise<void>;
}

const logger = new Logger('Database');

/**
 * Resolves where the database is: `DATABASE_URL` when set, else an embedded PostgreSQL that this
 * process starts under `EMBEDDED_PG_DIR` and stops on shutdown.
 */
export async function resolveDatabaseLocation(config: DatabaseConfig): Promise<DatabaseLocation> {
  if (config.url) {
    return { url: config.url, embedded: false, stop: () => Promise.resolve() };
  }
  logger.log(
    `DATABASE_URL is not set: starting an embedded PostgreSQL in ${config.embedded.dir} on port ${config.embedded.port}`,
  );
  const server = await startEmbeddedPostgres({
    dir: config.embedded.dir,
    port: config.embedded.port,
    onLog: (line) => logger.debug(line),
    onNotice: (line) => logger.warn(line),
  });
  logger.log('Embedded PostgreSQL is ready');
  return { url: server.url, embedded: true, stop: () => server.stop() };
}
