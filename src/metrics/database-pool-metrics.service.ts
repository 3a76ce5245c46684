import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { databaseConfig, type DatabaseConfig } from '../config';
import { METRIC_NAMES as M } from './metric-names';

/** The figures node-postgres keeps on its `Pool`. */
interface PgPoolFigures {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

function isPgPool(value: unknown): value is PgPoolFigures {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as PgPoolFigures).totalCount === 'number' &&
    typeof (value as PgPoolFigures).idleCount === 'number'
  );
}

/** Database pool gauges, read from the pg `Pool` behind TypeORM at scrape time. */
@Injectable()
export class DatabasePoolMetrics {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(databaseConfig.KEY) private readonly config: DatabaseConfig,
    @InjectMetric(M.dbPoolConnections) private readonly connections: Gauge<'state'>,
    @InjectMetric(M.dbPoolWaiting) private readonly waiting: Gauge,
    @InjectMetric(M.dbPoolMax) private readonly max: Gauge,
  ) {}

  /** Reads the pool now; zeroes when it is not there (not connected yet, or closed). */
  refresh(): void {
    // PostgresDriver.master is the pg Pool (typed `any` by TypeORM).
    const pool: unknown = this.dataSource.isInitialized
      ? (this.dataSource.driver as unknown as { master?: unknown }).master
      : undefined;
    const figures = isPgPool(pool) ? pool : { totalCount: 0, idleCount: 0, waitingCount: 0 };
    this.connections.set({ state: 'in_use' }, figures.totalCount - figures.idleCount);
    this.connections.set({ state: 'idle' }, figures.idleCount);
    this.waiting.set(figures.waitingCount);
    this.max.set(this.config.poolSize);
  }
}
