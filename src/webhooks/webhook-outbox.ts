import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { webhooksConfig, type WebhooksConfig } from '../config';
import type { SqlPart } from '../database/sql-part';
import type { WebhookAttempt, WebhookDeliveryStatus } from './webhook-delivery.entity';

/** A delivery as a worker sends it. */
export interface ClaimedDelivery {
  id: string;
  url: string;
  body: string;
  attempts: number;
}

/** A delivery as operators see it. */
export interface DeliveryRow {
  id: string;
  run_id: string;
  conversation_id: string;
  event_type: string;
  url: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  attempt_log: WebhookAttempt[];
  next_attempt_at: Date | null;
  give_up_at: Date;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

/** How one attempt went. */
export interface AttemptOutcome {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** Attempts kept in `attempt_log` (the newest). */
const ATTEMPT_LOG_LIMIT = 20;

const DELIVERY_COLUMNS = `id, run_id, conversation_id, event_type, url, status, attempts, attempt_log,
  CASE WHEN status = 'pending' THEN next_attempt_at END AS next_attempt_at, give_up_at,
  last_status_code, last_error, created_at, delivered_at`;

/** Appends one attempt to the bounded log. */
const LOGGED_ATTEMPT = `(CASE WHEN jsonb_array_length(attempt_log) >= ${ATTEMPT_LOG_LIMIT}
    THEN attempt_log - 0 ELSE attempt_log END)
  || jsonb_build_array(jsonb_build_object('at', to_char(now() AT TIME ZONE 'UTC',
    'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'status_code', $2::int, 'error', $3::text,
    'duration_ms', $4::int))`;

// Statements that change rows and answer them are written `WITH x AS (UPDATE ...) SELECT ...`:
// TypeORM answers a bare UPDATE ... RETURNING as [rows, count], a SELECT as the rows.

/**
 * The webhook outbox (`webhook_deliveries`). A run's end adds its notification in the statement
 * that ends it ({@link enqueueRunEnd}); workers on any instance claim due deliveries with `FOR
 * UPDATE SKIP LOCKED` and a lease (a claim whose instance died is taken again once the lease is
 * over), and record each attempt.
 */
@Injectable()
export class WebhookOutbox {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(webhooksConfig.KEY) private readonly config: WebhooksConfig,
  ) {}

  /**
   * SQL that adds a notification for each row of `source`, a CTE of ended runs with the columns
   * `run_id, conversation_id, user_id, status, webhook_url, event` (`event`: the run's last event
   * as JSON: its `complete_state`, `error`, or whatever made it stop). Generic in the status, so
   * any way a run stops (`awaiting_approval` too) reports it the same way. Adds nothing for a run
   * without a `webhook_url` when no default is configured, or when no secret is.
   */
  enqueueRunEnd(source: string): SqlPart {
    return (param) => {
      const fallback = `${param(this.config.secret ? (this.config.defaultUrl ?? null) : null)}::text`;
      const enabled = `${param(this.config.secret !== undefined)}::boolean`;
      const retryFor = `${param(this.config.retryForMs)}::int * interval '1 millisecond'`;
      return `INSERT INTO webhook_deliveries
          (run_id, conversation_id, user_id, event_type, url, body, give_up_at)
        SELECT s.run_id, s.conversation_id, s.user_id, 'run.' || s.status,
          coalesce(s.webhook_url, ${fallback}),
          json_build_object(
            'type', 'run.' || s.status,
            'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            'data', json_build_object(
              'run_id', s.run_id,
              'conversation_id', s.conversation_id,
              'status', s.status,
              'finish_reason', s.event ->> 'finish_reason',
              'message', CASE WHEN s.event ->> 'type' = 'complete_state' THEN json_build_object(
                'id', s.event ->> 'message_id', 'content', s.event ->> 'message') END,
              'error', CASE WHEN s.event ->> 'type' = 'error' THEN json_build_object(
                'code', s.event ->> 'code', 'message', s.event ->> 'message',
                'retryable', (s.event ->> 'retryable')::boolean) END
            )
          )::text,
          now() + ${retryFor}
        FROM ${source} s
        WHERE ${enabled} AND coalesce(s.webhook_url, ${fallback}) IS NOT NULL`;
    };
  }

  /**
   * Claims up to `limit` due deliveries for `leaseMs`: each one's attempt is counted now, and it
   * is not due again until the lease is over (then any instance may take it).
   */
  async claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    return this.dataSource.query<ClaimedDelivery[]>(
      `WITH claimed AS (
       UPDATE webhook_deliveries d
       SET attempts = d.attempts + 1,
           lease_until = now() + $2::int * interval '1 millisecond',
           next_attempt_at = now() + $2::int * interval '1 millisecond'
       FROM (SELECT id FROM webhook_deliveries
             WHERE status = 'pending' AND next_attempt_at <= now()
             ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) due
       WHERE d.id = due.id
       RETURNING d.id, d.url, d.body, d.attempts)
       SELECT * FROM claimed`,
      [limit, leaseMs],
    );
  }

  /** Records an accepted delivery. */
  async delivered(id: string, outcome: AttemptOutcome): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_deliveries
       SET status = 'delivered', delivered_at = now(), lease_until = NULL,
           last_status_code = $2, last_error = NULL, attempt_log = ${LOGGED_ATTEMPT}
       WHERE id = $1 AND status = 'pending'`,
      [id, outcome.statusCode, outcome.error, Math.round(outcome.durationMs)],
    );
  }

  /**
   * Records a failed attempt: due again after `retryInMs`, or given up (`failed`) when that would
   * be past its `give_up_at`. Answers the status it is left in.
   */
  async failed(
    id: string,
    outcome: AttemptOutcome,
    retryInMs: number,
  ): Promise<WebhookDeliveryStatus | undefined> {
    const rows = await this.dataSource.query<Array<{ status: WebhookDeliveryStatus }>>(
      `WITH attempted AS (
       UPDATE webhook_deliveries
       SET status = CASE WHEN now() + $5::int * interval '1 millisecond' > give_up_at
                         THEN 'failed' ELSE 'pending' END,
           next_attempt_at = now() + $5::int * interval '1 millisecond', lease_until = NULL,
           last_status_code = $2, last_error = left($3, 500), attempt_log = ${LOGGED_ATTEMPT}
       WHERE id = $1 AND status = 'pending'
       RETURNING status)
       SELECT status FROM attempted`,
      [
        id,
        outcome.statusCode,
        outcome.error,
        Math.round(outcome.durationMs),
        Math.round(retryInMs),
      ],
    );
    return rows[0]?.status;
  }

  /** Deliveries waiting for an attempt. */
  async queueDepth(): Promise<number> {
    const rows = await this.dataSource.query<Array<{ count: string }>>(
      `SELECT count(*) AS count FROM webhook_deliveries WHERE status = 'pending'`,
    );
    return Number(rows[0]?.count ?? 0);
  }

  /** The most recent deliveries, newest first, optionally of one status or run. */
  list(filter: {
    status?: WebhookDeliveryStatus;
    runId?: string;
    limit: number;
  }): Promise<DeliveryRow[]> {
    return this.dataSource.query<DeliveryRow[]>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
       WHERE ($1::text IS NULL OR status = $1) AND ($2::uuid IS NULL OR run_id = $2)
       ORDER BY created_at DESC, id DESC LIMIT $3`,
      [filter.status ?? null, filter.runId ?? null, filter.limit],
    );
  }

  /**
   * Makes a delivery due now, whatever its status (an operator's redeliver), with a fresh
   * retry window; the same `webhook-id`, so a receiver that has it already can tell.
   */
  async redeliver(id: string): Promise<DeliveryRow | undefined> {
    const rows = await this.dataSource.query<DeliveryRow[]>(
      `WITH due AS (
       UPDATE webhook_deliveries
       SET status = 'pending', next_attempt_at = now(), lease_until = NULL,
           give_up_at = greatest(give_up_at, now() + $2::int * interval '1 millisecond')
       WHERE id = $1
       RETURNING *)
       SELECT ${DELIVERY_COLUMNS} FROM due`,
      [id, this.config.retryForMs],
    );
    return rows[0];
  }
}
