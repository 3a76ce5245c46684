import type { ConversationResponse } from './dto/conversation.response';

/**
 * Plain SQL for the hot conversation routes (create, list): one round trip each, rows in the API's
 * shape straight from PostgreSQL. The TypeORM query builder and `save()` are the dearest part of
 * such a request (building the SQL, hydrating entities, three round trips for `save`; figures in
 * docs/PERFORMANCE.md); timestamps are formatted by PostgreSQL (exactly `Date#toISOString()`'s
 * format: `timestamptz(3)`, UTC, `Z`) rather than parsed into `Date`s and formatted again.
 */
const ISO = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const RETURNED = `id, title, metadata, message_count, ${ISO('created_at')} AS created_at, ${ISO('updated_at')} AS updated_at`;

/** `$1` user, `$2` title, `$3` metadata (JSON text). */
export const INSERT_CONVERSATION = `INSERT INTO conversations (user_id, title, metadata) VALUES ($1, $2, $3::jsonb) RETURNING ${RETURNED}`;

// ORDER BY names the table's columns (`c.`): unqualified, `created_at` would be the formatted text
// of the select list, which sorts the same but cannot use the (user_id, created_at, id) index.
/** `$1` user, `$2` page size + 1; newest first. */
export const LIST_CONVERSATIONS = `SELECT ${RETURNED} FROM conversations c WHERE c.user_id = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT $2`;

/** As {@link LIST_CONVERSATIONS}, after the keyset position `($3 created_at, $4 id)`. */
export const LIST_CONVERSATIONS_AFTER = `SELECT ${RETURNED} FROM conversations c WHERE c.user_id = $1 AND (c.created_at, c.id) < ($3::timestamptz, $4::uuid) ORDER BY c.created_at DESC, c.id DESC LIMIT $2`;

/** A row of the statements above: already the API's shape. */
export type ConversationRow = ConversationResponse;
