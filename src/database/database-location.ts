import { resolve } from 'node:path';
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
    logger.log(`Using PostgreSQL at ${describeServer(config.url)} (DATABASE_URL)`);
    return { url: config.url, embedded: false, stop: () => Promise.resolve() };
  }
  const dir = resolve(config.embedded.dir);
  logger.log(
    `DATABASE_URL is not set: starting an embedded PostgreSQL on 127.0.0.1:${config.embedded.port}, data in ${dir}`,
  );
  const server = await startEmbeddedPostgres({
    dir,
    port: config.embedded.port,
    onLog: (line) => logger.debug(line),
    onNotice: (line) => logger.warn(line),
    onProgress: (line) => logger.log(line),
  });
  logger.log('Embedded PostgreSQL is ready');
  return { url: server.url, embedded: true, stop: () => server.stop() };
}

/** `host:port/database` of a connection string, without its credentials. */
function describeServer(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return 'the configured server';
  }
}
