import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A run may wait for a person's decision on a tool call (`awaiting_approval`): it still holds its
 * conversation (one active run per conversation), and `awaiting_since` dates the wait, which
 * expires after `RUNS_APPROVAL_TIMEOUT_MS`.
 */
export class RunApprovals1764220000000 implements MigrationInterface {
  name = 'RunApprovals1764220000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE runs DROP CONSTRAINT runs_status_check');
    await db.query('ALTER TABLE runs ALTER COLUMN status TYPE varchar(24)');
    await db.query(`ALTER TABLE runs ADD CONSTRAINT runs_status_check
      CHECK (status IN ('running', 'awaiting_approval', 'completed', 'failed', 'cancelled'))`);
    await db.query('ALTER TABLE runs ADD COLUMN awaiting_since timestamptz(3)');
    await db.query('DROP INDEX runs_one_active_per_conversation');
    await db.query(`CREATE UNIQUE INDEX runs_one_active_per_conversation ON runs (conversation_id)
      WHERE status IN ('running', 'awaiting_approval')`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`UPDATE runs SET status = 'failed', error_code = 'approval_expired'
      WHERE status = 'awaiting_approval'`);
    await db.query('DROP INDEX runs_one_active_per_conversation');
    await db.query(`CREATE UNIQUE INDEX runs_one_active_per_conversation ON runs (conversation_id)
      WHERE status = 'running'`);
    await db.query('ALTER TABLE runs DROP COLUMN awaiting_since');
    await db.query('ALTER TABLE runs DROP CONSTRAINT runs_status_check');
    await db.query('ALTER TABLE runs ALTER COLUMN status TYPE varchar(16)');
    await db.query(`ALTER TABLE runs ADD CONSTRAINT runs_status_check
      CHECK (status IN ('running', 'completed', 'failed', 'cancelled'))`);
  }
}
