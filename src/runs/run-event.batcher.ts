import { Injectable } from '@nestjs/common';
import { RunEventStore } from './run-event.store';
import type { RunEvent } from './run-event.types';

/** Where a live run's events are written behind: one run's events, in seq order. */
export interface RunEventSink {
  append(runId: string, events: readonly RunEvent[]): Promise<void>;
}

interface Pending {
  runId: string;
  events: RunEvent[];
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

/**
 * Writes the events of every run executing in this process together: while one statement is in
 * flight, whatever any run emits accumulates, and the next statement takes all of it (one INSERT
 * and the NOTIFYs of every run in it). With one stream this is one statement per round trip, as
 * before; with thousands it stays one statement per round trip instead of one per run and token,
 * which is what a pool of ten connections can serve (a model at 20 tokens/s over 5,000 streams
 * is 100,000 events/s).
 *
 * Should a combined statement fail (say one run's conversation was deleted mid-run, so its events
 * have no run to belong to), each run's events are written on their own, so only that run sees
 * the error (and retries it, see `LiveRun`).
 */
@Injectable()
export class RunEventBatcher implements RunEventSink {
  private pending = new Map<string, Pending>();
  private writing?: Promise<void>;

  constructor(private readonly store: RunEventStore) {}

  /** Resolves once these events are stored (with whatever else was pending at the time). */
  append(runId: string, events: readonly RunEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let entry = this.pending.get(runId);
      if (!entry) {
        entry = { runId, events: [], waiters: [] };
        this.pending.set(runId, entry);
      }
      entry.events.push(...events);
      entry.waiters.push({ resolve, reject });
      this.writing ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.size > 0) {
        const batch = [...this.pending.values()];
        this.pending = new Map();
        await this.write(batch);
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    try {
      await this.store.appendMany(batch);
      for (const entry of batch) for (const waiter of entry.waiters) waiter.resolve();
      return;
    } catch (error) {
      if (batch.length === 1) {
        for (const waiter of batch[0].waiters) waiter.reject(error);
        return;
      }
    }
    // One statement per run, so that one bad run does not fail the others.
    await Promise.all(
      batch.map(async (entry) => {
        try {
          await this.store.append(entry.runId, entry.events);
          for (const waiter of entry.waiters) waiter.resolve();
        } catch (error) {
          for (const waiter of entry.waiters) waiter.reject(error);
        }
      }),
    );
  }
}
