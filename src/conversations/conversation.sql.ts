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

const RETURNED = `id, title, title_source, metadata, message_count, ${ISO('created_at')} AS created_at, ${ISO('updated_at')} AS updated_at`;

/** `$1` user, `$2` title, `$3` metadata (JSON text); a title given is the user's. */
export const INSERT_CONVERSATION = `INSERT INTO conversations (user_id, title, metadata, title_source) VALUES ($1, $2::varchar, $3::jsonb, CASE WHEN $2::varchar IS NULL THEN NULL ELSE 'user' END) RETURNING ${RETURNED}`;

/**
 * Names conversation `$1` with the generated title `$2` unless someone named it meanwhile (or the
 * user cleared a title on purpose). Answers a row only when stored.
 */
export const SET_GENERATED_TITLE = `UPDATE conversations SET title = $2, title_source = 'generated', updated_at = now() WHERE id = $1 AND title IS NULL AND title_source IS NULL RETURNING id`;

// ORDER BY names the table's columns (`c.`): unqualified, `created_at` would be the formatted text
// of the select list, which sorts the same but cannot use the (user_id, created_at, id) index.
/** `$1` user, `$2` page size + 1; newest first. */
export const LIST_CONVERSATIONS = `SELECT ${RETURNED} FROM conversations c WHERE c.user_id = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT $2`;

/** As {@link LIST_CONVERSATIONS}, after the keyset position `($3 created_at, $4 id)`. */
export const LIST_CONVERSATIONS_AFTER = `SELECT ${RETURNED} FROM conversations c WHERE c.user_id = $1 AND (c.created_at, c.id) < ($3::timestamptz, $4::uuid) ORDER BY c.created_at DESC, c.id DESC LIMIT $2`;

/** A row of the statements above: already the API's shape. */
export type ConversationRow = ConversationResponse;
