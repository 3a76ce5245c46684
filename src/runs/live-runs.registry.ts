import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnModuleInit,
} from '@nestjs/common';
import { DomainException, ErrorCode } from '../common/errors/domain.exception';
import { retryAfterHeaders } from '../common/http/retry-after';
import { runsConfig, type RunsConfig } from '../config';
import { LifecycleService } from '../lifecycle';
import { StreamRegistry } from '../streaming';
import { RunEventLog } from './run-event-log';
import type { RunSettlement } from './run-event.types';
import { RUN_CANCEL_CHANNEL, RunNotificationsService } from './run-notifications.service';

/** How long shutdown waits for stopped runs to store their end. */
const STOPPED_RUNS_WAIT_MS = 2000;

/** Why a live run was asked to stop. */
export type StopReason = 'user' | 'client_gone' | 'server_shutdown';

/** A run executing in this process. */
export class LiveRun {
  /** Aborts the agent: cancel, a leaving client (when so configured), shutdown, storage failure. */
  readonly abort = new AbortController();
  stopReason?: StopReason;
  /** Settles with the run's stored terminal event, or with its pause for approval. */
  done!: Promise<RunSettlement>;

  constructor(
    readonly runId: string,
    readonly userId: string,
    readonly conversationId: string,
  ) {}

  /** Stops the agent; the run then ends with what it produced. */
  stop(reason: StopReason): void {
    this.stopReason ??= reason;
    this.abort.abort(new Error(`Run stopped: ${reason}`));
  }
}

/** A place in line to start a run; give it back once the run is stored (or refused). */
export interface StartTicket {
  release(): void;
}

/**
 * The runs executing in this process: admission (how many in all and per user, and a bounded
 * line for bursts of starts, refused early instead of piling onto the database), cancel routing
 * (here, or to the owning instance through PostgreSQL), and draining at shutdown.
 */
@Injectable()
export class LiveRuns implements OnModuleInit, BeforeApplicationShutdown {
  private readonly runs = new Map<string, LiveRun>();
  private readonly perUser = new Map<string, number>();
  private starting = 0;
  private readonly line: Array<{ admit: () => void; timer: NodeJS.Timeout }> = [];

  constructor(
    @Inject(runsConfig.KEY) private readonly config: RunsConfig,
    private readonly lifecycle: LifecycleService,
    private readonly notifications: RunNotificationsService,
    private readonly streams: StreamRegistry,
    private readonly log: RunEventLog,
  ) {}

  /**
   * On SIGTERM: new runs are refused at once (the lifecycle's draining flag); runs get until the
   * grace deadline to finish, the rest are stopped (they end with a retryable `server_shutdown`
   * error); then the streams still open (followers of runs elsewhere) are ended so that their
   * clients resume on another instance.
   */
  onModuleInit(): void {
    this.lifecycle.registerDrainParticipant('runs', async ({ deadline }) => {
      const ending = [...this.runs.keys()];
      await this.drain(deadline);
      // The streams of those runs send their end; a second at least, even past the deadline.
      await this.log.readersGone(ending, Math.max(deadline, Date.now() + 1000));
      await this.streams.closeAll(undefined, Math.max(deadline - Date.now(), 1000));
    });
  }

  /** Number of runs executing here. */
  get activeCount(): number {
    return this.runs.size;
  }

  /** The run if it executes here. */
  get(runId: string): LiveRun | undefined {
    return this.runs.get(runId);
  }

  /**
   * Admits the start of a run by `userId`, before anything touches the database.
   * @throws 503 draining, or this process is at `RUNS_MAX_ACTIVE`, or the line of starts did not
   *   move within `RUNS_START_QUEUE_MS`; 429 the user is at `RUNS_MAX_ACTIVE_PER_USER`
   */
  async admit(userId: string): Promise<StartTicket> {
    if (this.lifecycle.isDraining)
      throw unavailable('The server is shutting down; retry on another instance.');
    if ((this.perUser.get(userId) ?? 0) >= this.config.maxActivePerUser) {
      throw new DomainException(
        ErrorCode.RateLimited,
        429,
        `You have ${this.config.maxActivePerUser} answers in progress; wait for one to end.`,
        { headers: retryAfterHeaders(1000) },
      );
    }
    if (this.runs.size + this.starting >= this.config.maxActive) {
      throw unavailable('The server is running as many answers as it can; retry shortly.');
    }
    await this.takePlaceInLine();
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.leaveLine();
      },
    };
  }

  /** Executes a stored run here; `execute` must end or pause it (it never rejects). */
  launch(run: LiveRun, execute: (run: LiveRun) => Promise<RunSettlement>): LiveRun {
    this.runs.set(run.runId, run);
    this.perUser.set(run.userId, (this.perUser.get(run.userId) ?? 0) + 1);
    const stopListening = this.notifications.subscribe(RUN_CANCEL_CHANNEL, run.runId, () =>
      run.stop('user'),
    );
    run.done = execute(run).finally(() => {
      stopListening();
      this.runs.delete(run.runId);
      const left = (this.perUser.get(run.userId) ?? 1) - 1;
      if (left > 0) this.perUser.set(run.userId, left);
      else this.perUser.delete(run.userId);
    });
    return run;
  }

  /** Asks a run to stop, wherever it executes. */
  async cancel(runId: string): Promise<void> {
    const live = this.runs.get(runId);
    if (live) live.stop('user');
    else await this.notifications.notify(RUN_CANCEL_CHANNEL, `${runId}:cancel`);
  }

  /** Stops the run if it executes here. */
  stop(runId: string, reason: StopReason): void {
    this.runs.get(runId)?.stop(reason);
  }

  /**
   * Lets the runs executing here finish until `deadline` (epoch ms), then stops the rest: they end
   * with an `error` event `server_shutdown` (retryable) and their partial answers stored.
   */
  async drain(deadline: number): Promise<void> {
    const all = () => Promise.all([...this.runs.values()].map((run) => run.done));
    let timer: NodeJS.Timeout | undefined;
    const finishedInTime = await Promise.race([
      all().then(() => true),
      new Promise<boolean>(
        (resolve) => (timer = setTimeout(() => resolve(false), Math.max(deadline - Date.now(), 0))),
      ),
    ]);
    clearTimeout(timer);
    if (finishedInTime) return;
    for (const run of this.runs.values()) run.stop('server_shutdown');
    // A stopped run ends within moments; one that does not (its end cannot be stored) must not
    // hold the shutdown: whoever sweeps abandoned runs closes it.
    await Promise.race([
      all(),
      new Promise((resolve) => setTimeout(resolve, STOPPED_RUNS_WAIT_MS).unref()),
    ]);
  }

  /**
   * Runs still here are ended as on a drain with no time left. Before the shutdown proper: their
   * `server_shutdown` ends are stored and sent while the event log, the database pool and the
   * owner lock (`RunNotificationsService`) are still up. Ended in the same phase as those, a run's
   * end raced the lock's release, and another instance's sweeper closed it as `run_abandoned`.
   */
  async beforeApplicationShutdown(): Promise<void> {
    for (const waiting of this.line.splice(0)) clearTimeout(waiting.timer);
    await this.drain(Date.now());
  }

  private takePlaceInLine(): Promise<void> {
    if (this.starting < this.config.startConcurrency) {
      this.starting += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiting = {
        admit: () => resolve(),
        timer: setTimeout(() => {
          this.line.splice(this.line.indexOf(waiting), 1);
          reject(unavailable('The server is busy starting other answers; retry shortly.'));
        }, this.config.startQueueMs),
      };
      this.line.push(waiting);
    });
  }

  private leaveLine(): void {
    const next = this.line.shift();
    if (!next) {
      this.starting -= 1;
      return;
    }
    clearTimeout(next.timer);
    next.admit();
  }
}

function unavailable(detail: string): DomainException {
  return new DomainException(ErrorCode.ServiceUnavailable, 503, detail, {
    headers: retryAfterHeaders(1000),
  });
}
