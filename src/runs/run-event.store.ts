import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { RunEvent } from './run-event.types';

/** The Postgres channel on which "run <id> has events up to <seq>" is announced. */
export const RUN_EVENTS_CHANNEL = 'run_events';

/**
 * The durable log of run events. Appends are batched into one statement that also moves the run's
 * `last_seq` and heartbeat and NOTIFYs followers on other instances, so a reader that hears the
 * notification always finds the events it announces.
 */
@Injectable()
export class RunEventStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Appends events (in seq order) of one run, in the given transaction or on its own. */
  append(runId: string, events: readonly RunEvent[], manager?: EntityManager): Promise<void> {
    return this.appendMany([{ runId, events }], manager);
  }

  /**
   * Appends the events of several runs (each in seq order) in one statement: the events, each
   * run's `last_seq` and heartbeat, and one NOTIFY per run, in one round trip.
   */
  async appendMany(
    batches: ReadonlyArray<{ runId: string; events: readonly RunEvent[] }>,
    manager?: EntityManager,
  ): Promise<void> {
    const rows = batches.flatMap(({ runId, events }) =>
      events.map((event) => ({ run_id: runId, seq: event.seq, type: event.type, payload: event })),
    );
    if (rows.length === 0) return;
    await (manager ?? this.dataSource.manager).query(
      `WITH inserted AS (
         INSERT INTO run_events (run_id, seq, type, payload)
         SELECT r.run_id, r.seq, r.type, r.payload
         FROM json_to_recordset($1::json) AS r(run_id uuid, seq integer, type varchar, payload json)
         RETURNING run_id, seq
       ), last AS (
         SELECT run_id, max(seq) AS last_seq FROM inserted GROUP BY run_id
       )
       UPDATE runs SET last_seq = last.last_seq, heartbeat_at = now()
       FROM last WHERE runs.id = last.run_id
       RETURNING pg_notify('${RUN_EVENTS_CHANNEL}', runs.id::text || ':' || runs.last_seq)`,
      [JSON.stringify(rows)],
    );
  }

  /** The run's stored events after `afterSeq`, in order. */
  async readAfter(runId: string, afterSeq: number, limit = 1000): Promise<RunEvent[]> {
    const rows = await this.dataSource.query<Array<{ payload: RunEvent }>>(
      'SELECT payload FROM run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [runId, afterSeq, limit],
    );
    return rows.map((row) => row.payload);
  }
}
