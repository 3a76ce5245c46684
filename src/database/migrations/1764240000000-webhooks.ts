import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Background runs report their end by webhook: the run's `webhook_url`, and the outbox the end of
 * a run writes to in the same statement (delivered at least once by any instance). Retention
 * deletes the events of runs ended long ago and dates it in `events_deleted_at`, so that a resume
 * across them is told to reload (`resync_required`) rather than given nothing.
 */
export class Webhooks1764240000000 implements MigrationInterface {
  name = 'Webhooks1764240000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE webhook_deliveries (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        run_id           uuid NOT NULL,
        conversation_id  uuid NOT NULL,
        user_id          varchar(255) NOT NULL,
        event_type       varchar(64) NOT NULL,
        url              varchar(2048) NOT NULL,
        body             text NOT NULL,
        status           varchar(16) NOT NULL DEFAULT 'pending',
        attempts         integer NOT NULL DEFAULT 0,
        attempt_log      jsonb NOT NULL DEFAULT '[]',
        next_attempt_at  timestamptz(3) NOT NULL DEFAULT now(),
        lease_until      timestamptz(3),
        give_up_at       timestamptz(3) NOT NULL,
        last_status_code integer,
        last_error       varchar(500),
        created_at       timestamptz(3) NOT NULL DEFAULT now(),
        delivered_at     timestamptz(3),
        CONSTRAINT webhook_deliveries_status_check
          CHECK (status IN ('pending', 'delivered', 'failed'))
      )`);
    // What the workers claim: due deliveries only, oldest first.
    await db.query(`CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
      WHERE status = 'pending'`);
    await db.query(
      'CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (created_at)',
    );
    await db.query('ALTER TABLE runs ADD COLUMN webhook_url varchar(2048)');
    await db.query('ALTER TABLE runs ADD COLUMN events_deleted_at timestamptz(3)');
    // What retention looks for: ended runs whose events are still there, oldest first.
    await db.query(`CREATE INDEX runs_events_retention_idx ON runs (finished_at)
      WHERE events_deleted_at IS NULL AND finished_at IS NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX runs_events_retention_idx');
    await db.query('ALTER TABLE runs DROP COLUMN events_deleted_at');
    await db.query('ALTER TABLE runs DROP COLUMN webhook_url');
    await db.query('DROP TABLE webhook_deliveries');
  }
}
