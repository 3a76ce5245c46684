/** The placeholders (or SQL expressions) {@link appendUserMessageSql} is built from. */
export interface UserMessageSqlParts {
  conversationId: string;
  content: string;
  tokens: string;
  /** The run the message starts; also a guard: no row here, no message. */
  runId: string;
  /** A CTE (or table) the run id is selected from. */
  from: string;
}

/**
 * Two CTEs, `bumped` and `message`, that append a user message to a conversation as part of a
 * larger statement (starting a run with its user message is one round trip). As in
 * {@link MessagesService.append}, bumping `message_count` takes the conversation's row lock and
 * hands out the message's `seq`, so the two never disagree. `message` returns `id`, `seq` and
 * `created_at`.
 */
export function appendUserMessageSql(parts: UserMessageSqlParts): string {
  return `bumped AS (
    UPDATE conversations SET message_count = message_count + 1, updated_at = now()
    WHERE id = ${parts.conversationId} AND EXISTS (SELECT 1 FROM ${parts.from})
    RETURNING message_count
  ), message AS (
    INSERT INTO messages (conversation_id, seq, role, content, status, tokens, run_id)
    SELECT ${parts.conversationId}, bumped.message_count, 'user', ${parts.content}, 'complete',
           ${parts.tokens}, ${parts.runId}
    FROM bumped, ${parts.from}
    RETURNING id, seq, created_at
  )`;
}
