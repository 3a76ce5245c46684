import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { CircuitBreakerRegistry, type BreakerState } from '../resilience';
import { METRIC_NAMES as M } from './metric-names';

/** The number exported for each state (0 closed, 1 half-open, 2 open). */
export const BREAKER_STATE_VALUE: Record<BreakerState, number> = {
  CLOSED: 0,
  HALF_OPEN: 1,
  OPEN: 2,
};

/** Circuit breaker series, fed by the breakers' own listeners. */
@Injectable()
export class BreakerMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly unsubscribes: (() => void)[] = [];

  constructor(
    private readonly registry: CircuitBreakerRegistry,
    @InjectMetric(M.breakerState) private readonly state: Gauge<'breaker'>,
    @InjectMetric(M.breakerCalls) private readonly calls: Counter<'breaker' | 'outcome'>,
    @InjectMetric(M.breakerTransitions)
    private readonly transitions: Counter<'breaker' | 'from' | 'to'>,
  ) {}

  /** Listens to every breaker. */
  onModuleInit(): void {
    for (const breaker of this.registry.list()) {
      const name = breaker.name;
      this.unsubscribes.push(
        breaker.onCallOutcome((outcome) => this.calls.inc({ breaker: name, outcome })),
        breaker.onStateChange(({ from, to }) => {
          this.transitions.inc({ breaker: name, from, to });
          this.state.set({ breaker: name }, BREAKER_STATE_VALUE[to]);
        }),
      );
    }
    this.refresh();
  }

  /** Stops listening. */
  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }

  /** Scrape time: reads each state, which also makes a due OPEN -> HALF_OPEN change visible. */
  refresh(): void {
    for (const breaker of this.registry.list()) {
      this.state.set({ breaker: breaker.name }, BREAKER_STATE_VALUE[breaker.state]);
    }
  }
}
