import { registerAs } from '@nestjs/config';
import { databaseEnvSchema } from './env.schema';
import { parseEnv } from './validate-environment';

/** Where the database is: an external URL, or an embedded server started by the app itself. */
export const databaseConfig = registerAs('database', () => {
  const env = parseEnv(databaseEnvSchema, process.env);
  return {
    url: env.DATABASE_URL,
    migrationsRun: env.DB_MIGRATIONS_RUN,
    poolSize: env.DB_POOL_SIZE,
    poolWaitMs: env.DB_POOL_WAIT_MS,
    statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
    embedded: { dir: env.EMBEDDED_PG_DIR, port: env.EMBEDDED_PG_PORT },
  };
});

/** The typed `database` namespace. */
export type DatabaseConfig = ReturnType<typeof databaseConfig>;
