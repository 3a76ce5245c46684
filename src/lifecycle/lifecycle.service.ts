import { Inject, Injectable, Logger } from '@nestjs/common';
import { appConfig, type AppConfig } from '../config';
import type {
  DrainContext,
  DrainParticipant,
  DrainParticipantOutcome,
  DrainReport,
  Unregister,
} from './drain-participant';

interface Registration {
  readonly name: string;
  readonly participant: DrainParticipant;
}

interface ActiveDrain {
  readonly context: DrainContext;
  /** Resolves when the grace period runs out (or is cleared when every participant is done). */
  readonly deadlinePassed: Promise<'timed_out'>;
  report?: Promise<DrainReport>;
}

/**
 * The process's draining flag (one per app). Once {@link startDraining} is called, readiness and
 * stream health answer 503 so load balancers stop sending traffic, and every registered drain
 * participant is asked to finish its work before the grace deadline.
 *
 * `main.ts` is expected to `await startDraining()` on SIGTERM before `app.close()`: Nest's own
 * shutdown hooks run too late for this (modules are already being destroyed).
 */
@Injectable()
export class LifecycleService {
  private readonly logger = new Logger('Lifecycle');
  private registrations: readonly Registration[] = [];
  private drain: ActiveDrain | undefined;
  private startedAt: Date | undefined;

  constructor(@Inject(appConfig.KEY) private readonly config: AppConfig) {}

  /** True once draining started; it never goes back. */
  get isDraining(): boolean {
    return this.drain !== undefined;
  }

  /** When draining started, or null. */
  get drainingSince(): Date | null {
    return this.startedAt ?? null;
  }

  /**
   * Adds work to do when draining starts. A participant registered after draining started is
   * called at once with the same deadline. Names are for logs and the report.
   */
  registerDrainParticipant(name: string, participant: DrainParticipant): Unregister {
    const registration: Registration = { name, participant };
    this.registrations = [...this.registrations, registration];
    if (this.drain) void this.runParticipant(registration, this.drain);
    return () => {
      this.registrations = this.registrations.filter((r) => r !== registration);
    };
  }

  /**
   * Sets the draining flag at once (synchronously), then runs every participant concurrently and
   * resolves when all finished or the grace period ran out. Never rejects: a participant's error
   * is logged and reported. Calling it again returns the first drain's report.
   *
   * @param graceMs how long participants get; `SHUTDOWN_GRACE_MS` by default
   */
  startDraining(graceMs: number = this.config.shutdownGraceMs): Promise<DrainReport> {
    if (this.drain?.report) return this.drain.report;
    const startedAt = new Date();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadlinePassed = new Promise<'timed_out'>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error('The drain grace period ran out'));
        resolve('timed_out');
      }, graceMs);
    });
    const drain: ActiveDrain = {
      context: { deadline: startedAt.getTime() + graceMs, graceMs, signal: controller.signal },
      deadlinePassed,
    };
    this.drain = drain;
    this.startedAt = startedAt;
    this.logger.log(
      `Draining: readiness now fails; ${this.registrations.length} participant(s), ${graceMs} ms grace`,
    );
    drain.report = Promise.all(
      this.registrations.map((registration) => this.runParticipant(registration, drain)),
    ).then((participants) => {
      clearTimeout(timer);
      return { startedAt: startedAt.toISOString(), graceMs, participants };
    });
    return drain.report;
  }

  private async runParticipant(
    { name, participant }: Registration,
    { context, deadlinePassed }: ActiveDrain,
  ): Promise<DrainParticipantOutcome> {
    const started = Date.now();
    let outcome: DrainParticipantOutcome;
    try {
      const work = Promise.resolve().then(() => participant(context));
      const result = await Promise.race([work, deadlinePassed]);
      outcome = {
        name,
        outcome: result === 'timed_out' ? 'timed_out' : 'completed',
        durationMs: Date.now() - started,
      };
    } catch (error) {
      outcome = {
        name,
        outcome: 'failed',
        durationMs: Date.now() - started,
        error: error instanceof Error ? error.message : String(error),
      };
    }
    if (outcome.outcome === 'completed') {
      this.logger.log(`Drain participant "${name}" finished in ${outcome.durationMs} ms`);
    } else {
      this.logger.warn(
        `Drain participant "${name}" ${outcome.outcome === 'failed' ? `failed: ${outcome.error}` : 'did not finish within the grace period'}`,
      );
    }
    return outcome;
  }
}
