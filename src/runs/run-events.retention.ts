import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { runsConfig, type RunsConfig } from '../config';

/**
 * The two-key advisory lock of the retention job (`pg_try_advisory_xact_lock(int, int)`): a space
 * apart from the one-key locks that prove a run's owner alive.
 */
const RETENTION_LOCK = [0x72756e73, 0x72657465] as const;

/**
 * Deletes one batch of expired events under the lock: runs that ended before the cutoff and
 * still have their events, oldest first. Their messages stay; `events_deleted_at` tells a client
 * resuming across them to reload (`resync_required`). Answers how many runs it cleared, or null
 * when another instance holds the lock.
 */
const PURGE_BATCH = `
  WITH locked AS (
    SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK[0]}, ${RETENTION_LOCK[1]}) AS ours
  ), batch AS (
    SELECT id FROM runs
    WHERE (SELECT ours FROM locked)
      AND events_deleted_at IS NULL AND finished_at IS NOT NULL
      AND finished_at < now() - $1::bigint * interval '1 millisecond'
      AND status NOT IN ('running', 'awaiting_approval')
    ORDER BY finished_at LIMIT $2
    FOR UPDATE SKIP LOCKED
  ), gone AS (
    DELETE FROM run_events WHERE run_id IN (SELECT id FROM batch)
  ), marked AS (
    UPDATE runs SET events_deleted_at = now() WHERE id IN (SELECT id FROM batch) RETURNING id
  )
  SELECT (SELECT ours FROM locked) AS ours, (SELECT count(*) FROM marked)::int AS cleared`;

/**
 * Retention of run events: every `RUNS_EVENTS_RETENTION_CHECK_MS`, the events of runs that ended
 * more than `RUNS_EVENTS_RETENTION_MS` ago are deleted in batches of
 * `RUNS_EVENTS_RETENTION_BATCH` runs, each batch its own short transaction, by one instance at a
 * time (a transaction advisory lock; the others skip the round). Messages are kept.
 */
@Injectable()
export class RunEventsRetention implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('RunEventsRetention');
  private timer?: NodeJS.Timeout;
  private purging?: Promise<number>;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(runsConfig.KEY) private readonly config: RunsConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.eventsRetentionMs === 0) return;
    this.timer = setInterval(() => void this.purge(), this.config.eventsRetentionCheckMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.purging;
  }

  /** Deletes every expired event now, batch by batch; answers how many runs; never rejects. */
  purge(): Promise<number> {
    this.purging ??= this.purgeAll()
      .catch((error: unknown) => {
        this.logger.warn(`Deleting expired run events failed: ${String(error)}`);
        return 0;
      })
      .finally(() => (this.purging = undefined));
    return this.purging;
  }

  private async purgeAll(): Promise<number> {
    let total = 0;
    while (!this.stopped) {
      const [row] = await this.dataSource.query<Array<{ ours: boolean; cleared: number }>>(
        PURGE_BATCH,
        [this.config.eventsRetentionMs, this.config.eventsRetentionBatch],
      );
      total += row.cleared;
      if (!row.ours || row.cleared < this.config.eventsRetentionBatch) break;
    }
    if (total > 0) this.logger.log(`Deleted the events of ${total} run(s) past retention`);
    return total;
  }
}
