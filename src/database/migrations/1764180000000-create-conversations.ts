import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Conversations and their messages, with the indexes the list endpoints need. */
export class CreateConversations1764180000000 implements MigrationInterface {
  name = 'CreateConversations1764180000000';

  async up(db: QueryRunner): Promise<void> {
    // timestamptz(3): millisecond precision, so a timestamp survives the round trip through a
    // JavaScript Date exactly and keyset cursors compare equal to what is stored.
    await db.query(`
      CREATE TABLE conversations (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id       varchar(255) NOT NULL,
        title         varchar(500),
        metadata      jsonb NOT NULL DEFAULT '{}'::jsonb,
        message_count integer NOT NULL DEFAULT 0,
        created_at    timestamptz(3) NOT NULL DEFAULT now(),
        updated_at    timestamptz(3) NOT NULL DEFAULT now()
      )`);
    // Serves "this user's conversations, newest first, after (created_at, id)".
    await db.query(
      'CREATE INDEX conversations_user_created_idx ON conversations (user_id, created_at DESC, id DESC)',
    );
    await db.query(`
      CREATE TABLE messages (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        seq             integer NOT NULL,
        role            varchar(16) NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
        content         text NOT NULL,
        tool_calls      jsonb,
        tool_call_id    varchar(255),
        tool_name       varchar(255),
        tokens          integer NOT NULL DEFAULT 0,
        status          varchar(16) NOT NULL DEFAULT 'complete'
                        CHECK (status IN ('complete', 'partial', 'failed')),
        run_id          uuid,
        created_at      timestamptz(3) NOT NULL DEFAULT now(),
        -- Serves "messages of a conversation in order, after seq N" and the cascade on delete.
        CONSTRAINT messages_conversation_seq_key UNIQUE (conversation_id, seq)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE messages');
    await db.query('DROP TABLE conversations');
  }
}
