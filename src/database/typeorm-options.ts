import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
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
 * Every entity file of the service, found by name so that this folder imports no feature. The app
 * needs no list (each feature registers its own entities: `autoLoadEntities`); only comparing the
 * entities with the schema (`migration:generate`, the migrations test) does.
 */
export const ENTITY_FILES = [join(__dirname, '..', '**', '*.entity.{ts,js}')];

/**
 * TypeORM options for PostgreSQL, without entities (see {@link ENTITY_FILES}). `synchronize` is off
 * everywhere: the schema only changes through the migrations in `src/database/migrations/`, which
 * are listed explicitly (no glob) so the same list works from `src` under ts-node, from `dist`,
 * and inside a bundle-free Docker image.
 */
export function buildDataSourceOptions(settings: ConnectionSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
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
