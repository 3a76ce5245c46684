import type { SqlPart } from '../database/sql-part';

/** The placeholders (or SQL expressions) {@link appendUserMessageSql} is built from. */
export interface UserMessageSqlParts {
  /** The new message's id, chosen by the caller. */
  id: string;
  conversationId: string;
  /** The message it follows (a scalar SQL expression; NULL for a first message). */
  parentId: string;
  content: string;
  tokens: string;
  /** The run the message starts; also a guard: no row here, no message. */
  runId: string;
  /** A CTE (or table) the run id is selected from. */
  from: string;
}

/**
 * Two CTEs, `bumped` and `message`, that append a user message to a conversation as part of a
 * larger statement (starting a run with its user message is one round trip), and make it the
 * conversation's active leaf. As in {@link MessagesService.append}, bumping `message_count` takes
 * the conversation's row lock and hands out the message's `seq`, so the two never disagree.
 * `message` returns `id`, `seq` and `created_at`.
 */
export function appendUserMessageSql(parts: UserMessageSqlParts): string {
  return `bumped AS (
    UPDATE conversations SET message_count = message_count + 1, updated_at = now(),
                             active_leaf_id = ${parts.id}::uuid
    WHERE id = ${parts.conversationId} AND EXISTS (SELECT 1 FROM ${parts.from})
    RETURNING message_count
  ), message AS (
    INSERT INTO messages (id, conversation_id, seq, role, content, status, tokens, run_id, parent_id)
    SELECT ${parts.id}::uuid, ${parts.conversationId}, bumped.message_count, 'user', ${parts.content},
           'complete', ${parts.tokens}, ${parts.runId}, ${parts.parentId}
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
 * CTEs `anchor`, `appended_count` and `appended` that append messages (in order, each following
 * the one before) to a conversation as part of a larger statement, only when the CTE named `guard`
 * has a row. The first one follows the run's latest message (its user message, or what it stored
 * when it paused) or else the user message the run answers (a regenerated answer), or else the
 * active leaf. The last one becomes the active leaf when the conversation still shows the branch
 * they hang from (someone may have switched branches meanwhile). Like
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
    const run = param(rows[0]?.run_id ?? null);
    const last = param(rows.at(-1)?.id ?? null);
    const chained = rows.map((row, index) => ({
      ...row,
      parent_id: index > 0 ? rows[index - 1].id : null,
      ord: index + 1,
    }));
    return `anchor AS (
      SELECT coalesce(
        (SELECT id FROM messages WHERE conversation_id = ${conversation} AND run_id = ${run}::uuid
         ORDER BY seq DESC LIMIT 1),
        (SELECT user_message_id FROM runs WHERE id = ${run}::uuid),
        (SELECT active_leaf_id FROM conversations WHERE id = ${conversation})) AS id
    ), appended_count AS (
      UPDATE conversations SET message_count = message_count + ${count}::int, updated_at = now(),
        active_leaf_id = CASE WHEN active_leaf_id IS NOT DISTINCT FROM (SELECT id FROM anchor)
                              THEN ${last}::uuid ELSE active_leaf_id END
      WHERE id = ${conversation} AND ${count}::int > 0 AND EXISTS (SELECT 1 FROM ${guard})
      RETURNING message_count
    ), appended AS (
      INSERT INTO messages (id, conversation_id, seq, role, content, status, tokens, tool_calls,
                            tool_call_id, tool_name, run_id, parent_id)
      SELECT m.id, ${conversation}, c.message_count - ${count}::int + m.ord, m.role, m.content,
             m.status, m.tokens, m.tool_calls, m.tool_call_id, m.tool_name, m.run_id,
             coalesce(m.parent_id, (SELECT id FROM anchor))
      FROM appended_count c,
           json_to_recordset(${param(JSON.stringify(chained))}::json)
             AS m(id uuid, role varchar, content text, status varchar, tokens integer,
                  tool_calls jsonb, tool_call_id varchar, tool_name varchar, run_id uuid,
                  parent_id uuid, ord integer)
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
 * A scalar subquery: the branch a model may see, from its root down to the message `leafId` (a
 * scalar SQL expression; no message when NULL), following parent links, without `failed` messages,
 * the last {@link HISTORY_MAX_MESSAGES} of it, oldest first, as a JSON array of
 * {@link HistoryMessage}s. Other branches of the conversation are never part of it. In a statement
 * that also appends a message, it reads the conversation as it was before.
 */
export function historySql(conversationId: string, leafId: string): string {
  return `SELECT coalesce(json_agg(json_build_object('role', h.role, 'content', h.content,
            'tool_calls', h.tool_calls, 'tool_call_id', h.tool_call_id, 'tool_name', h.tool_name,
            'tokens', h.tokens)
            ORDER BY h.seq), '[]'::json)
          FROM (WITH RECURSIVE up AS (
                  SELECT m.id, m.parent_id, m.seq, m.role, m.content, m.tool_calls, m.tool_call_id,
                         m.tool_name, m.tokens, m.status, 1 AS depth
                  FROM messages m WHERE m.id = ${leafId} AND m.conversation_id = ${conversationId}
                  UNION ALL
                  SELECT p.id, p.parent_id, p.seq, p.role, p.content, p.tool_calls, p.tool_call_id,
                         p.tool_name, p.tokens, p.status, up.depth + 1
                  FROM messages p JOIN up ON p.id = up.parent_id
                  WHERE up.depth < ${HISTORY_MAX_MESSAGES}
                ) SELECT * FROM up WHERE status <> 'failed') AS h`;
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
