import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { CircuitBreakerRegistry } from '../resilience';
import { isPoolExhausted } from './database-errors';

/**
 * The one way request handling reaches PostgreSQL under the `database` breaker: a failing
 * database answers 503 with Retry-After at once instead of piling up requests.
 *
 * {@link onConnection} takes the pooled connection first and only then starts the breaker's clock:
 * waiting for a connection is queueing in this process (a burst of requests), not a failure of the
 * database, and must not open its circuit. A connection that cannot be opened at all is a failure
 * of the database and counts. Use it on paths that bursts hit (starting runs); {@link run} is the
 * cheaper form for single statements through a service's own repository.
 */
@Injectable()
export class DatabaseCalls {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly breakers: CircuitBreakerRegistry,
  ) {}

  /** Runs `work` under the `database` breaker. */
  run<T>(work: () => Promise<T>): Promise<T> {
    return this.breakers.execute('database', work);
  }

  /** Runs `work` on one pooled connection, timed by the breaker from when it has the connection. */
  async onConnection<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const breaker = this.breakers.get('database');
    // An open circuit refuses at once, without waiting for a connection.
    if (breaker.state === 'OPEN') return breaker.execute(() => work(this.dataSource.manager));
    const runner = this.dataSource.createQueryRunner();
    try {
      try {
        await runner.connect();
      } catch (error) {
        if (isPoolExhausted(error)) throw error;
        // The database cannot be reached: that counts against it.
        return await breaker.execute(() => Promise.reject(error as Error));
      }
      return await breaker.execute(() => work(runner.manager));
    } finally {
      await runner.release();
    }
  }
}
