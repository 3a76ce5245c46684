import { Injectable } from '@nestjs/common';
import { CircuitBreakersIndicator } from './circuit-breakers.indicator';
import { DatabaseIndicator } from './database.indicator';
import type { HealthContributor } from './dependency-report';
import { HealthCheckRunner, type HealthAnswer } from './health-check.runner';
import { HealthContributorRegistry } from './health-contributor.registry';
import { LifecycleIndicator } from './lifecycle.indicator';
import { LlmProviderIndicator } from './llm-provider.indicator';
import { StreamingIndicator } from './streaming.indicator';
import { SystemIndicators } from './system.indicators';

/** Which indicators each health endpoint checks, and which of them can fail it. */
@Injectable()
export class HealthService {
  constructor(
    private readonly runner: HealthCheckRunner,
    private readonly database: DatabaseIndicator,
    private readonly system: SystemIndicators,
    private readonly breakers: CircuitBreakersIndicator,
    private readonly llm: LlmProviderIndicator,
    private readonly streaming: StreamingIndicator,
    private readonly lifecycle: LifecycleIndicator,
    private readonly contributors: HealthContributorRegistry,
  ) {}

  /**
   * Readiness: the database answers, migrations are applied, the `database` breaker is not OPEN
   * and the process is not draining. The LLM provider is deliberately left out. The circuit is
   * read after the ping, which may just have closed it (see {@link DatabaseIndicator.ping}).
   */
  readiness(): Promise<HealthAnswer> {
    const ping = this.database.ping();
    return this.runner.run('readiness', [
      critical('database', () => ping),
      critical('migrations', () => this.database.migrations()),
      critical('database_circuit', () => ping.then(() => this.database.circuit())),
      critical('lifecycle', () => this.lifecycle.check()),
    ]);
  }

  /**
   * Everything an operator needs. Fails (503) on the database, memory, disk and draining;
   * event loop, breakers, LLM, streaming and registered contributors are reported only.
   */
  detailed(): Promise<HealthAnswer> {
    return this.runner.run('detailed health', [
      critical('database', () => this.database.detailed()),
      critical('memory_heap', () => this.system.heap()),
      critical('memory_rss', () => this.system.rss()),
      critical('disk', () => this.system.disk()),
      critical('lifecycle', () => this.lifecycle.check()),
      informational('event_loop', () => this.system.eventLoopDelay()),
      informational('circuit_breakers', () => this.breakers.check()),
      informational('llm', () => this.llm.check()),
      informational('streaming', () => this.streaming.check()),
      informational('process', () => this.system.process()),
      ...this.contributors.list(),
    ]);
  }

  /** Streaming: 503 at capacity or while draining, so a balancer sends streams elsewhere. */
  stream(): Promise<HealthAnswer> {
    return this.runner.run('stream health', [critical('streaming', () => this.streaming.check())]);
  }
}

function critical(key: string, check: HealthContributor['check']): HealthContributor {
  return { key, critical: true, check };
}

function informational(key: string, check: HealthContributor['check']): HealthContributor {
  return { key, critical: false, check };
}
