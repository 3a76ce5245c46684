import { Injectable } from '@nestjs/common';
import { CircuitBreakerRegistry } from '../resilience';
import type { DependencyReport } from './dependency-report';

/** Every circuit breaker: state, counts and when an open one will admit a trial call. */
@Injectable()
export class CircuitBreakersIndicator {
  constructor(private readonly registry: CircuitBreakerRegistry) {}

  /** Degraded while any breaker is not CLOSED (the dependency behind it is failing or on trial). */
  check(): DependencyReport {
    const breakers = Object.fromEntries(
      this.registry.snapshots().map((snapshot) => [
        snapshot.name,
        {
          state: snapshot.state,
          next_attempt_at: snapshot.next_attempt_at,
          last_failure_at: snapshot.last_failure_at,
          ...snapshot.metrics,
        },
      ]),
    );
    const allClosed = Object.values(breakers).every((breaker) => breaker.state === 'CLOSED');
    return { state: allClosed ? 'up' : 'degraded', breakers };
  }
}
