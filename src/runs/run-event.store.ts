import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-query';
import { buildStatement, type SqlPart } from '../database/sql-part';
import { WebhookOutbox } from '../webhooks';
import type { RunEvent, TerminalRunEvent } from './run-event.types';

/** The Postgres channel on which "run <id> has events up to <seq>" is announced. */
export const RUN_EVENTS_CHANNEL = 'run_events';

/** A page of a run's stored events, and whether the run may still add more. */
export interface StoredRunPage {
  events: RunEvent[];
  /** False when the run is over or gone (its conversation was deleted): nothing will follow. */
  running: boolean;
}

/**
 * Appends events of several runs in one statement: only to runs that are still `running` and
 * owned by `owner` (a run closed meanwhile, as abandoned by another instance, takes nothing more),
 * moves each run's `last_seq` and NOTIFYs followers everywhere. Re-sending a batch whose commit was
 * not acknowledged is harmless: events already stored are skipped. Answers the runs that took the
 * events.
 */
const APPEND_EVENTS = `
  WITH batch AS (
    SELECT r.run_id, r.seq, r.type, r.payload
    FROM json_to_recordset($1::json) AS r(run_id uuid, seq integer, type varchar, payload json)
  ), owned AS (
    SELECT id FROM runs
    WHERE id IN (SELECT run_id FROM batch) AND status = 'running' AND owner_id = $2
    FOR UPDATE
  ), inserted AS (
    INSERT INTO run_events (run_id, seq, type, payload)
    SELECT b.run_id, b.seq, b.type, b.payload FROM batch b WHERE b.run_id IN (SELECT id FROM owned)
    ON CONFLICT (run_id, seq) DO NOTHING
    RETURNING run_id, seq
  ), moved AS (
    -- Runs to completion although nothing reads it, as every data-modifying WITH does.
    UPDATE runs SET last_seq = last.seq
    FROM (SELECT run_id, max(seq) AS seq FROM inserted GROUP BY run_id) AS last
    WHERE runs.id = last.run_id
    RETURNING runs.id, pg_notify('${RUN_EVENTS_CHANNEL}', runs.id::text || ':' || runs.last_seq)
  )
  SELECT id AS run_id FROM owned`;

/** What a notice says in place of a seq when a run paused: nothing new, but read its status. */
export const PAUSED_NOTICE = 'paused';

/** The CTE of {@link RunEventStore.end} that has the run's row while it is still ours to end. */
export const OWNED_RUN_CTE = 'owned';

/** One page of a run's events after a seq, with the run's status, in one round trip. */
const READ_PAGE = `
  SELECT r.status,
         (SELECT coalesce(json_agg(e.payload ORDER BY e.seq), '[]'::json)
          FROM (SELECT payload, seq FROM run_events
                WHERE run_id = r.id AND seq > $2 ORDER BY seq LIMIT $3) AS e) AS events
  FROM runs r WHERE r.id = $1`;

/**
 * The durable log of run events (the `run_events` table). Events are written only by the process
 * that owns the run, and only while it is running; the run's terminal event goes in with the run's
 * new status in one transaction.
 */
@Injectable()
export class RunEventStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly webhooks: WebhookOutbox,
  ) {}

  /**
   * Appends events of several runs (each in seq order) owned by `owner`; see {@link APPEND_EVENTS}.
   * @returns the ids of the runs that took their events; any other run of the batch is no longer
   *   running as this owner's (closed elsewhere, or deleted)
   */
  async append(
    owner: string,
    batches: ReadonlyArray<{ runId: string; events: readonly RunEvent[] }>,
    manager?: EntityManager,
  ): Promise<Set<string>> {
    const rows = batches.flatMap(({ runId, events }) =>
      events.map((event) => ({ run_id: runId, seq: event.seq, type: event.type, payload: event })),
    );
    if (rows.length === 0) return new Set();
    const owned = await preparedQuery<{ run_id: string }>(
      manager ?? this.dataSource,
      APPEND_EVENTS,
      [JSON.stringify(rows), owner],
    );
    return new Set(owned.map((row) => row.run_id));
  }

  /**
   * Ends a run owned by `owner` in one statement (atomic, one round trip): whatever `alsoStore`
   * adds (the answer's messages; guarded by {@link OWNED_RUN_CTE}), the terminal event, the run's
   * status and `last_seq`, the run's webhook notification (in the outbox), and the NOTIFY. Nothing is written when the run is no longer running as
   * `owner`'s; re-sending it after a commit that was not acknowledged writes nothing either.
   * @returns whether the run was still ours (and is now ended by this statement)
   */
  async end(
    owner: string,
    terminal: TerminalRunEvent,
    alsoStore?: (guard: string) => SqlPart,
  ): Promise<boolean> {
    const status =
      terminal.type === 'error'
        ? 'failed'
        : terminal.finish_reason === 'cancelled'
          ? 'cancelled'
          : 'completed';
    const statement = buildStatement((param) => {
      const run = param(terminal.run_id);
      const seq = param(terminal.seq);
      const payload = param(JSON.stringify(terminal));
      const owned = `${OWNED_RUN_CTE} AS (
        SELECT id FROM runs WHERE id = ${run} AND status = 'running' AND owner_id = ${param(owner)}
        FOR UPDATE
      )`;
      const extra = alsoStore ? `, ${alsoStore(OWNED_RUN_CTE)(param)}` : '';
      return `WITH ${owned}${extra}, event AS (
        INSERT INTO run_events (run_id, seq, type, payload)
        SELECT id, ${seq}::int, ${param(terminal.type)}, ${payload}::json
        FROM ${OWNED_RUN_CTE}
        ON CONFLICT (run_id, seq) DO NOTHING
      ), ended_run AS (
        SELECT r.id AS run_id, r.conversation_id, r.user_id, r.webhook_url,
               ${param(status)}::text AS status, ${payload}::json AS event
        FROM runs r JOIN ${OWNED_RUN_CTE} o ON o.id = r.id
      ), webhook AS (
        ${this.webhooks.enqueueRunEnd('ended_run')(param)}
      ), ended AS (
        UPDATE runs SET status = ${param(status)}, finish_reason = ${param(
          terminal.type === 'complete_state' ? terminal.finish_reason : null,
        )}, error_code = ${param(terminal.type === 'error' ? terminal.code : null)},
          finished_at = now(), last_seq = ${seq}::int
        FROM ${OWNED_RUN_CTE} WHERE runs.id = ${OWNED_RUN_CTE}.id
        RETURNING pg_notify('${RUN_EVENTS_CHANNEL}', runs.id::text || ':' || runs.last_seq)
      )
      SELECT id FROM ${OWNED_RUN_CTE}`;
    });
    const rows = await preparedQuery(this.dataSource, statement.text, statement.values);
    return rows.length > 0;
  }

  /**
   * Pauses a run owned by `owner` for approval in one statement: what `alsoStore` adds (the
   * messages produced so far; guarded by {@link OWNED_RUN_CTE}), status `awaiting_approval` since
   * now, and a NOTIFY that wakes its followers (the payload's seq part is `paused`). The run then
   * has no owner to speak of: whoever claims it ({@link RunRepository.claimPaused}) continues it.
   * @returns whether the run was still ours (and is now paused by this statement)
   */
  async pause(
    owner: string,
    runId: string,
    alsoStore?: (guard: string) => SqlPart,
  ): Promise<boolean> {
    const statement = buildStatement((param) => {
      const owned = `${OWNED_RUN_CTE} AS (
        SELECT id FROM runs WHERE id = ${param(runId)} AND status = 'running'
          AND owner_id = ${param(owner)}
        FOR UPDATE
      )`;
      const extra = alsoStore ? `, ${alsoStore(OWNED_RUN_CTE)(param)}` : '';
      // Its webhook says it waits (the payload has neither message nor error).
      return `WITH ${owned}${extra}, paused_run AS (
        SELECT r.id AS run_id, r.conversation_id, r.user_id, r.webhook_url,
               'awaiting_approval'::text AS status, NULL::json AS event
        FROM runs r JOIN ${OWNED_RUN_CTE} o ON o.id = r.id
      ), webhook AS (
        ${this.webhooks.enqueueRunEnd('paused_run')(param)}
      ), paused AS (
        UPDATE runs SET status = 'awaiting_approval', awaiting_since = now()
        FROM ${OWNED_RUN_CTE} WHERE runs.id = ${OWNED_RUN_CTE}.id
        RETURNING pg_notify('${RUN_EVENTS_CHANNEL}', runs.id::text || ':${PAUSED_NOTICE}')
      )
      SELECT id FROM ${OWNED_RUN_CTE}`;
    });
    const rows = await preparedQuery(this.dataSource, statement.text, statement.values);
    return rows.length > 0;
  }

  /** Up to `limit` stored events of the run after `afterSeq`, in order. */
  async readPage(runId: string, afterSeq: number, limit: number): Promise<StoredRunPage> {
    const rows = await preparedQuery<{ status: string; events: RunEvent[] }>(
      this.dataSource,
      READ_PAGE,
      [runId, afterSeq, limit],
    );
    const row = rows[0];
    if (!row) return { events: [], running: false };
    return { events: row.events, running: row.status === 'running' };
  }
}
