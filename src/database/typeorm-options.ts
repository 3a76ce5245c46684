import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** Connection settings shared by the app and the migration CLI. */
export interface ConnectionSettings {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  /** The longest a query waits for a pooled connection (and a new connection may take to open). */
  poolWaitMs?: number;
}

/**
 * TypeORM options for PostgreSQL. `synchronize` is off everywhere: the schema only changes through
 * the migrations in `src/database/migrations/`, which are listed explicitly (no glob) so the same
 * list works from `src` under ts-node, from `dist`, and inside a bundle-free Docker image.
 */
export function buildDataSourceOptions(settings: ConnectionSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    extra: {
      max: settings.poolSize,
      connectionTimeoutMillis: settings.poolWaitMs,
      // Bound every statement so one stuck query cannot hold a pooled connection forever.
      statement_timeout: settings.statementTimeoutMs || undefined,
      application_name: 'agent-conversation-server',
    },
  };
}
