import { Inject, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { healthConfig, type HealthConfig } from '../config';
import type { DependencyReport, HealthContributor } from './dependency-report';
import { withTimeout } from './with-timeout';

/** A health endpoint's answer: Terminus's body and the HTTP status to send it with. */
export interface HealthAnswer {
  readonly httpStatus: 200 | 503;
  readonly body: HealthCheckResult;
}

/**
 * Runs indicators through Terminus's `HealthCheckService`, each bounded by
 * `HEALTH_CHECK_TIMEOUT_MS`, and returns the body in Terminus's shape with the status to answer.
 * The 503 is returned rather than thrown so the body keeps that shape (the global filter would
 * turn a thrown 503 into problem+json). After shutdown began Terminus reports `shutting_down`.
 */
@Injectable()
export class HealthCheckRunner {
  private readonly logger = new Logger('Health');
  private readonly lastStatus = new Map<string, number>();

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(healthConfig.KEY) private readonly config: HealthConfig,
  ) {}

  /**
   * Checks every contributor concurrently.
   *
   * @param endpoint names the check in the log line written when its verdict changes
   */
  async run(endpoint: string, contributors: readonly HealthContributor[]): Promise<HealthAnswer> {
    const answer = await this.check(contributors.map((c) => () => this.evaluate(c)));
    if (this.lastStatus.get(endpoint) !== answer.httpStatus) {
      if (answer.httpStatus === 503) {
        this.logger.warn(
          `${endpoint} is failing (${answer.body.status}): ${Object.keys(answer.body.error ?? {}).join(', ') || 'shutting down'}`,
        );
      } else if (this.lastStatus.has(endpoint)) {
        this.logger.log(`${endpoint} is passing again`);
      }
      this.lastStatus.set(endpoint, answer.httpStatus);
    }
    return answer;
  }

  private async check(indicators: HealthIndicatorFunction[]): Promise<HealthAnswer> {
    try {
      return { httpStatus: 200, body: await this.health.check(indicators) };
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        return { httpStatus: 503, body: error.getResponse() as HealthCheckResult };
      }
      throw error;
    }
  }

  private async evaluate(contributor: HealthContributor): Promise<HealthIndicatorResult> {
    const timeoutMs = this.config.checkTimeoutMs;
    const report = await withTimeout<DependencyReport>(
      () => contributor.check(),
      timeoutMs,
      () => ({ state: 'down', message: `No answer within ${timeoutMs} ms` }),
    ).catch((error: unknown): DependencyReport => ({
      state: 'down',
      message: error instanceof Error ? error.message : String(error),
    }));
    const session = this.indicators.check(contributor.key);
    const data = { ...report, critical: contributor.critical };
    return contributor.critical && report.state === 'down' ? session.down(data) : session.up(data);
  }
}
