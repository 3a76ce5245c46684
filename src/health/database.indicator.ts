import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DatabaseLifecycleService } from '../database/database-lifecycle.service';
import type { BreakerName } from '../config';
import { CircuitBreakerRegistry } from '../resilience';
import type { DependencyReport } from './dependency-report';

/** The breaker guarding database calls; OPEN means the app refuses them, so it is not ready. */
export const DATABASE_BREAKER: BreakerName = 'database';

/**
 * PostgreSQL: a `SELECT 1` ping, migrations applied, and the `database` breaker's state. The ping
 * does not go through the breaker (an open circuit would refuse it), but a successful one counts
 * as a trial call: readiness and the API come back within a probe of the database, not when the
 * open period ends. A failed ping is not counted, so probes never open the circuit.
 */
@Injectable()
export class DatabaseIndicator {
  private readonly logger = new Logger('Health');
  // The migrations are fixed at build time: once all are applied, they stay applied.
  private migrationsKnownApplied = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly lifecycle: DatabaseLifecycleService,
    private readonly breakers: CircuitBreakerRegistry,
  ) {}

  /** Pings the database and reports the round trip. */
  async ping(): Promise<DependencyReport> {
    const started = performance.now();
    try {
      await this.dataSource.query('SELECT 1');
    } catch (error) {
      // The error (host, port) stays in the log: readiness bodies are public.
      this.logger.warn(
        `Database ping failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return { state: 'down', message: 'The database did not answer the ping' };
    }
    this.breakers.get(DATABASE_BREAKER).recordProbeSuccess();
    return { state: 'up', latency_ms: round(performance.now() - started) };
  }

  /** Whether every migration the code knows has been applied. */
  async migrations(): Promise<DependencyReport> {
    if (!this.migrationsKnownApplied) {
      this.migrationsKnownApplied = !(await this.lifecycle.migrationsPending());
    }
    return this.migrationsKnownApplied
      ? { state: 'up', pending: false }
      : { state: 'down', pending: true, message: 'Migrations are pending' };
  }

  /** The `database` breaker: down while OPEN (calls are refused), degraded while HALF_OPEN. */
  circuit(): DependencyReport {
    const breaker = this.breakers.get(DATABASE_BREAKER);
    const state = breaker.state;
    return {
      state: state === 'OPEN' ? 'down' : state === 'HALF_OPEN' ? 'degraded' : 'up',
      circuit_state: state,
    };
  }

  /** All three in one report, for `/health/detailed`. */
  async detailed(): Promise<DependencyReport> {
    const [ping, migrations] = await Promise.all([
      this.ping(),
      this.migrations().catch((): DependencyReport => ({ state: 'down', pending: null })),
    ]);
    const circuit = this.circuit();
    const down = [ping, migrations, circuit].some((report) => report.state === 'down');
    return {
      state: down ? 'down' : circuit.state === 'degraded' ? 'degraded' : 'up',
      latency_ms: ping.latency_ms ?? null,
      migrations_pending: migrations.pending,
      circuit_state: circuit.circuit_state,
      ...(ping.state === 'down' ? { message: ping.message } : {}),
    };
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
