import type { SqlPart } from '../database/sql-part';

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

/** One message to append with {@link appendMessagesSql}, its id chosen by the caller. */
export interface MessageRow {
  id: string;
  role: string;
  content: string;
  status: string;
  tokens: number;
  tool_calls: unknown;
  tool_call_id: string | null;
  tool_name: string | null;
  run_id: string | null;
}

/**
 * Two CTEs, `appended_count` and `appended`, that append messages (in order) to a conversation as
 * part of a larger statement, only when the CTE named `guard` has a row. Like
 * {@link appendUserMessageSql}: bumping `message_count` takes the row lock and hands out the seqs.
 */
export function appendMessagesSql(
  conversationId: string,
  rows: readonly MessageRow[],
  guard: string,
): SqlPart {
  return (param) => {
    const conversation = param(conversationId);
    const count = param(rows.length);
    return `appended_count AS (
      UPDATE conversations SET message_count = message_count + ${count}::int, updated_at = now()
      WHERE id = ${conversation} AND ${count}::int > 0 AND EXISTS (SELECT 1 FROM ${guard})
      RETURNING message_count
    ), appended AS (
      INSERT INTO messages (id, conversation_id, seq, role, content, status, tokens, tool_calls,
                            tool_call_id, tool_name, run_id)
      SELECT m.id, ${conversation}, c.message_count - ${count}::int + m.ord, m.role, m.content,
             m.status, m.tokens, m.tool_calls, m.tool_call_id, m.tool_name, m.run_id
      FROM appended_count c,
           json_to_recordset(${param(JSON.stringify(rows.map((row, index) => ({ ...row, ord: index + 1 }))))}::json)
             AS m(id uuid, role varchar, content text, status varchar, tokens integer,
                  tool_calls jsonb, tool_call_id varchar, tool_name varchar, run_id uuid, ord integer)
      RETURNING id
    )`;
  };
}

/**
 * The most earlier messages a run reads as history. The model sees at most `LLM_MAX_HISTORY_TOKENS`
 * of them and every message costs a few tokens, so older ones could never be sent; the bound keeps
 * the cost of starting a run in a very long conversation bounded.
 */
export const HISTORY_MAX_MESSAGES = 2000;

/**
 * A scalar subquery: the conversation's messages a model may see (not `failed`), oldest first,
 * the last {@link HISTORY_MAX_MESSAGES} of them, as a JSON array of {@link HistoryMessage}s. In a
 * statement that also appends a message, it reads the conversation as it was before.
 */
export function historySql(conversationId: string): string {
  return `SELECT coalesce(json_agg(json_build_object('role', h.role, 'content', h.content,
            'tool_calls', h.tool_calls, 'tool_call_id', h.tool_call_id, 'tool_name', h.tool_name,
            'tokens', h.tokens)
            ORDER BY h.seq), '[]'::json)
          FROM (SELECT * FROM messages WHERE conversation_id = ${conversationId} AND status <> 'failed'
                ORDER BY seq DESC LIMIT ${HISTORY_MAX_MESSAGES}) AS h`;
}

/** A message as the agent reads it (column names as stored). */
export interface HistoryMessage {
  role: 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls: Array<{ id: string; name: string; args: Record<string, unknown> }> | null;
  tool_call_id: string | null;
  tool_name: string | null;
  /** Counted when stored (0 for messages stored before counts were kept). */
  tokens: number;
}
