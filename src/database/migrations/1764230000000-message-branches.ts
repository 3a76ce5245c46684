import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Messages form a tree: `parent_id` names the message a message follows (null for a first
 * message); edits and regenerated answers are siblings. A conversation shows one branch, from a root
 * to `active_leaf_id`. Existing conversations become one branch: each message's parent is the
 * message before it. A run remembers the user message it answers (`user_message_id`), so that a
 * regenerated answer hangs from it. Conversations know who wrote their title (`title_source`:
 * `user` or `generated`). Full-text search over titles and message contents: GIN expression
 * indexes with the `simple` configuration (no language: no stemming, no stop words).
 */
export class MessageBranches1764230000000 implements MigrationInterface {
  name = 'MessageBranches1764230000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE messages ADD COLUMN parent_id uuid
      CONSTRAINT messages_parent_id_fkey REFERENCES messages (id) ON DELETE CASCADE`);
    await db.query(`
      UPDATE messages m SET parent_id = chain.previous_id
      FROM (SELECT id, lag(id) OVER (PARTITION BY conversation_id ORDER BY seq) AS previous_id
            FROM messages) AS chain
      WHERE m.id = chain.id AND chain.previous_id IS NOT NULL`);
    // Serves "the children of a message" (siblings, the way down to a leaf).
    await db.query(
      'CREATE INDEX messages_conversation_parent_idx ON messages (conversation_id, parent_id)',
    );
    await db.query('ALTER TABLE conversations ADD COLUMN active_leaf_id uuid');
    await db.query(`UPDATE conversations c SET active_leaf_id =
      (SELECT id FROM messages m WHERE m.conversation_id = c.id ORDER BY seq DESC LIMIT 1)`);
    await db.query('ALTER TABLE conversations ADD COLUMN title_source varchar(16)');
    await db.query(`UPDATE conversations SET title_source = 'user' WHERE title IS NOT NULL`);
    await db.query('ALTER TABLE runs ADD COLUMN user_message_id uuid');
    await db.query(`UPDATE runs r SET user_message_id = m.id FROM messages m
      WHERE m.run_id = r.id AND m.role = 'user' AND m.conversation_id = r.conversation_id`);
    await db.query(
      // The first 100,000 characters: a tsvector holds at most 1 MB, and a longer message (tools,
      // a raised MAX_MESSAGE_CHARS) must still be stored.
      `CREATE INDEX messages_search_idx ON messages
         USING gin (to_tsvector('simple', left(content, 100000)))`,
    );
    await db.query(`CREATE INDEX conversations_search_idx ON conversations
      USING gin (to_tsvector('simple', coalesce(title, '')))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX conversations_search_idx');
    await db.query('DROP INDEX messages_search_idx');
    await db.query('ALTER TABLE runs DROP COLUMN user_message_id');
    await db.query('ALTER TABLE conversations DROP COLUMN title_source');
    await db.query('ALTER TABLE conversations DROP COLUMN active_leaf_id');
    await db.query('DROP INDEX messages_conversation_parent_idx');
    await db.query('ALTER TABLE messages DROP COLUMN parent_id');
  }
}
