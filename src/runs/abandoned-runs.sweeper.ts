import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { runsConfig, type RunsConfig } from '../config';
import { APPROVAL_EXPIRED } from './run-event.types';
import { RunRepository } from './run.repository';
import { RunApprovals } from './run-approvals.service';

/**
 * Closes the runs of processes that died (SIGKILL, a lost node), and ends the runs that waited for
 * approval too long: at start-up, then every
 * `RUNS_ABANDONED_CHECK_MS`, on every instance. Such a run ends with a retryable `run_abandoned`
 * error stored as its terminal event, so its followers learn how it ended and its conversation
 * takes new messages again. A process is taken for dead as soon as its owner lock is gone (see
 * `RunNotificationsService`), so this needs no heartbeat and no timeout.
 */
@Injectable()
export class AbandonedRunsSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AbandonedRuns');
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    private readonly runs: RunRepository,
    private readonly approvals: RunApprovals,
    @Inject(runsConfig.KEY) private readonly config: RunsConfig,
  ) {}

  /** Sweeps once now, then on a timer. */
  async onApplicationBootstrap(): Promise<void> {
    await this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.config.abandonedCheckMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** Closes every abandoned run, and every pause past its time, now; never rejects. */
  sweep(): Promise<void> {
    this.sweeping ??= Promise.all([this.closeAbandoned(), this.expirePauses()])
      .then(() => undefined)
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async closeAbandoned(): Promise<void> {
    try {
      const closed = await this.runs.closeAbandoned();
      if (closed > 0) this.logger.warn(`Closed ${closed} run(s) whose process stopped`);
    } catch (error) {
      this.logger.warn(`Looking for abandoned runs failed: ${String(error)}`);
    }
  }

  /**
   * Ends the runs that waited for a decision longer than `RUNS_APPROVAL_TIMEOUT_MS` with a
   * retryable `approval_expired` error (a decision that comes at the same moment wins: each run
   * is claimed once).
   */
  private async expirePauses(): Promise<void> {
    try {
      const expired = await this.runs.findExpiredPauses(this.config.approvalTimeoutMs);
      for (const run of expired) {
        await this.approvals.endPaused(run.id, run.conversationId, {
          type: 'error',
          ...APPROVAL_EXPIRED,
        });
      }
      if (expired.length > 0) this.logger.log(`Expired ${expired.length} pending approval(s)`);
    } catch (error) {
      this.logger.warn(`Expiring pending approvals failed: ${String(error)}`);
    }
  }
}
