import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A run's owner is now proven alive by an advisory lock its process holds (released by PostgreSQL
 * the moment the process dies), not by a heartbeat column; a run remembers a fingerprint of the
 * request that started it, so a reused Idempotency-Key with another body is told apart.
 */
export class RunOwnerLocks1764210000000 implements MigrationInterface {
  name = 'RunOwnerLocks1764210000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE runs DROP COLUMN heartbeat_at');
    await db.query('ALTER TABLE runs ADD COLUMN request_hash varchar(64)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE runs DROP COLUMN request_hash');
    await db.query(
      'ALTER TABLE runs ADD COLUMN heartbeat_at timestamptz(3) NOT NULL DEFAULT now()',
    );
  }
}
