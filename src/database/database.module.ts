import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { databaseConfig, type DatabaseConfig } from '../config';
import { DatabaseCalls } from './database-calls';
import { DatabaseErrorsRegistration } from './database-errors.registration';
import { DatabaseLifecycleService } from './database-lifecycle.service';
import {
  DATABASE_LOCATION,
  resolveDatabaseLocation,
  type DatabaseLocation,
} from './database-location';
import { buildDataSourceOptions } from './typeorm-options';

/** Resolves the database (external or embedded) once and hands it to TypeORM. */
@Global()
@Module({
  providers: [
    {
      provide: DATABASE_LOCATION,
      inject: [databaseConfig.KEY],
      useFactory: (config: DatabaseConfig) => resolveDatabaseLocation(config),
    },
  ],
  exports: [DATABASE_LOCATION],
})
class DatabaseLocationModule {}

/**
 * PostgreSQL through TypeORM, with migrations applied at start and an orderly shutdown. Global:
 * every feature reaches the database under its breaker through {@link DatabaseCalls}.
 */
@Global()
@Module({
  imports: [
    DatabaseLocationModule,
    TypeOrmModule.forRootAsync({
      inject: [DATABASE_LOCATION, databaseConfig.KEY],
      useFactory: (location: DatabaseLocation, config: DatabaseConfig) => ({
        ...buildDataSourceOptions({
          url: location.url,
          poolSize: config.poolSize,
          statementTimeoutMs: config.statementTimeoutMs,
          poolWaitMs: config.poolWaitMs,
        }),
        autoLoadEntities: true,
        // Fail fast with TypeORM's own error instead of retrying for half a minute.
        retryAttempts: 2,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: [DatabaseLifecycleService, DatabaseCalls, DatabaseErrorsRegistration],
  exports: [DatabaseLifecycleService, DatabaseCalls],
})
export class DatabaseModule {}
