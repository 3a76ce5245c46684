import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Agent runs and their event logs, which streams replay and follow. */
export class CreateRuns1764190000000 implements MigrationInterface {
  name = 'CreateRuns1764190000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE runs (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        conversation_id  uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        user_id          varchar(255) NOT NULL,
        status           varchar(16) NOT NULL DEFAULT 'running'
                         CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
        idempotency_key  varchar(255),
        finish_reason    varchar(16),
        error_code       varchar(64),
        last_seq         integer NOT NULL DEFAULT 0,
        owner_id         varchar(64) NOT NULL,
        heartbeat_at     timestamptz(3) NOT NULL DEFAULT now(),
        created_at       timestamptz(3) NOT NULL DEFAULT now(),
        finished_at      timestamptz(3)
      )`);
    // At most one active run per conversation, enforced by the database across every instance.
    await db.query(
      `CREATE UNIQUE INDEX runs_one_active_per_conversation ON runs (conversation_id) WHERE status = 'running'`,
    );
    // An Idempotency-Key names one run per user and conversation (honoured for 24 hours).
    await db.query(
      `CREATE UNIQUE INDEX runs_idempotency_key ON runs (user_id, conversation_id, idempotency_key)
       WHERE idempotency_key IS NOT NULL`,
    );
    // Serves "the latest run of a conversation".
    await db.query(
      'CREATE INDEX runs_conversation_created_idx ON runs (conversation_id, created_at DESC)',
    );
    await db.query(`
      CREATE TABLE run_events (
        run_id     uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq        integer NOT NULL,
        type       varchar(32) NOT NULL,
        payload    json NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, seq)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE run_events');
    await db.query('DROP TABLE runs');
  }
}
