import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { databaseConfig, type DatabaseConfig } from '../config';
import { DATABASE_LOCATION, type DatabaseLocation } from './database-location';
import { runMigrationsLocked } from './migration-runner';

/**
 * Applies migrations at start (unless `DB_MIGRATIONS_RUN=false`) and, on shutdown, closes the pool
 * before stopping the embedded server, so PostgreSQL never sees its clients vanish mid-query.
 */
@Injectable()
export class DatabaseLifecycleService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Database');

  constructor(
    private readonly dataSource: DataSource,
    @Inject(DATABASE_LOCATION) private readonly location: DatabaseLocation,
    @Inject(databaseConfig.KEY) private readonly config: DatabaseConfig,
  ) {}

  /** Runs pending migrations when configured to. */
  async onModuleInit(): Promise<void> {
    if (!this.config.migrationsRun) {
      this.logger.log('DB_MIGRATIONS_RUN=false: not applying migrations at start');
      return;
    }
    this.logger.log('Checking database migrations');
    const applied = await runMigrationsLocked(this.dataSource);
    this.logger.log(
      applied.length > 0
        ? `Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}`
        : 'Database schema is up to date',
    );
  }

  /** Whether every migration the code knows has been applied (readiness reads this). */
  async migrationsPending(): Promise<boolean> {
    return this.dataSource.showMigrations();
  }

  /** Closes the pool, then stops the embedded server if this process started one. */
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    if (this.location.embedded) {
      await this.location.stop();
      this.logger.log('Embedded PostgreSQL stopped');
    }
  }
}
