import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { EventFeed } from './event-feed';
import { RunEventStore, RUN_EVENTS_CHANNEL } from './run-event.store';
import { isTerminal, type ErrorRunEvent, type RunEvent } from './run-event.types';
import { RunNotificationsService } from './run-notifications.service';
import { RunRepository } from './run.repository';

/** How often a follower checks storage even without a notification, and the owner's pulse. */
export const FOLLOW_POLL_MS = 1000;
/** Events read from storage at once. */
const READ_BATCH = 500;
/** A run whose owner has not beaten for this long is taken as abandoned (its process died). */
export const RUN_STALE_MS = 20_000;

/**
 * Follows a run that executes in another process (or already ended) through storage: reads the
 * stored events after a seq, then wakes on Postgres notifications and reads again, until the
 * terminal event. A slow poll covers notifications lost while a connection was down, and ends
 * runs whose owner died, so a follower never waits forever.
 */
@Injectable()
export class RunFollower {
  constructor(
    private readonly store: RunEventStore,
    private readonly runs: RunRepository,
    private readonly notifications: RunNotificationsService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Streams the run's events after `afterSeq` from storage until its terminal event. */
  follow(runId: string, afterSeq: number): EventFeed<RunEvent> {
    let last = afterSeq;
    let reading = false;
    let readAgain = false;
    let ticks = 0;
    const unsubscribe = this.notifications.subscribe(RUN_EVENTS_CHANNEL, runId, () => void read());
    const timer = setInterval(() => void read(++ticks), FOLLOW_POLL_MS);
    const feed = new EventFeed<RunEvent>(() => {
      unsubscribe();
      clearInterval(timer);
    });

    const read = async (tick?: number): Promise<void> => {
      if (reading) {
        readAgain = true;
        return;
      }
      reading = true;
      try {
        do {
          readAgain = false;
          const events = await this.store.readAfter(runId, last, READ_BATCH);
          for (const event of events) {
            feed.push(event);
            last = event.seq;
            if (isTerminal(event)) return feed.end();
          }
          // A full page means more is stored already: read on without waiting for a wake-up.
          if (events.length === READ_BATCH) readAgain = true;
          if (events.length === 0 && tick !== undefined) {
            const state = await this.checkOwner(runId, last);
            if (state === 'over') return feed.end();
            if (state === 'more') readAgain = true;
          }
        } while (readAgain && !feed.isEnded);
      } catch {
        // Storage hiccup: the next notification or poll reads again.
      } finally {
        reading = false;
      }
    };
    void read(0);
    return feed;
  }

  /**
   * Looks at the run when storage had nothing new: `over` when it ended and nothing is left after
   * `last`, `more` when events appeared meanwhile (or we just closed it as abandoned), else `waiting`.
   */
  private async checkOwner(runId: string, last: number): Promise<'over' | 'more' | 'waiting'> {
    const run = await this.runs.findById(runId);
    if (!run) return 'over';
    if (run.status !== 'running') {
      // The terminal event is stored in the same transaction that changed the status.
      return (await this.store.readAfter(runId, last, 1)).length > 0 ? 'more' : 'over';
    }
    const claimed = await this.dataSource.transaction(async (manager) => {
      const seq = await this.runs.claimAbandoned(manager, runId, RUN_STALE_MS);
      if (seq === null) return false;
      const event: ErrorRunEvent = {
        type: 'error',
        run_id: runId,
        seq,
        code: 'run_abandoned',
        message: 'The server running this answer stopped; send the message again.',
        retryable: true,
      };
      await this.store.append(runId, [event], manager);
      return true;
    });
    return claimed ? 'more' : 'waiting';
  }
}
