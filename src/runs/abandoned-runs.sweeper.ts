import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { runsConfig, type RunsConfig } from '../config';
import { RunRepository } from './run.repository';

/**
 * Closes the runs of processes that died (SIGKILL, a lost node): at start-up, then every
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

  /** Closes every abandoned run now; never rejects. */
  sweep(): Promise<void> {
    this.sweeping ??= this.runs
      .closeAbandoned()
      .then((closed) => {
        if (closed > 0) this.logger.warn(`Closed ${closed} run(s) whose process stopped`);
      })
      .catch((error: unknown) =>
        this.logger.warn(`Looking for abandoned runs failed: ${String(error)}`),
      )
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }
}
