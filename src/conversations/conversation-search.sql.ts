/**
 * Full-text search over the caller's conversations: their titles and the contents of their
 * messages (every branch), with PostgreSQL's `simple` configuration (words as written, lower-cased:
 * no language, so no stemming and no stop words), served by the GIN expression indexes of
 * migration 1764230000000. The query is read with `websearch_to_tsquery` ("quoted phrases", `or`,
 * `-word`), which never fails on user input.
 */

/** The text-search configuration of the indexes; the expressions below must match them exactly. */
const CONFIG = `'simple'`;
/** A message's first 100,000 characters: a tsvector holds at most 1 MB (see the migration). */
const MESSAGE_VECTOR = `to_tsvector(${CONFIG}, left(m.content, 100000))`;
const TITLE_VECTOR = `to_tsvector(${CONFIG}, coalesce(c.title, ''))`;

/** The most characters of a message `ts_headline` reads: its cost grows with the text. */
export const SNIPPET_SOURCE_CHARS = 5000;

/** Marks a hit in a snippet before it is escaped (private-use characters, removed from the text). */
export const HIT_START = '\uE000';
export const HIT_END = '\uE001';

/** `ts_headline` options: up to two fragments of about 6 to 18 words around the hits. */
export const HEADLINE_OPTIONS =
  `StartSel="${HIT_START}", StopSel="${HIT_END}", MaxFragments=2, MaxWords=18, MinWords=6, ` +
  `FragmentDelimiter=" … "`;

const ISO = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * One page of hits, best first: `$1` user, `$2` the query text, `$3` page size + 1, `$4` and `$5`
 * the keyset position after which to start (`rank`, `id`; both NULL for the first page), `$6`
 * the headline options. A conversation's rank is its best message's `ts_rank` plus twice its
 * title's (a title says what the whole conversation is about); ties go by id. The snippet is
 * highlighted from the best message, or the title when only the title matched, and only for the
 * rows of the page.
 */
export const SEARCH_CONVERSATIONS = `
  WITH query AS (SELECT websearch_to_tsquery(${CONFIG}, $2) AS q),
  message_hits AS (
    SELECT DISTINCT ON (m.conversation_id) m.conversation_id, m.id AS message_id,
           ts_rank(${MESSAGE_VECTOR}, query.q) AS rank
    FROM messages m JOIN conversations c ON c.id = m.conversation_id, query
    WHERE c.user_id = $1 AND ${MESSAGE_VECTOR} @@ query.q
    ORDER BY m.conversation_id, rank DESC, m.seq DESC
  ), title_hits AS (
    SELECT c.id AS conversation_id, ts_rank(${TITLE_VECTOR}, query.q) AS rank
    FROM conversations c, query
    WHERE c.user_id = $1 AND ${TITLE_VECTOR} @@ query.q
  ), ranked AS (
    SELECT coalesce(t.conversation_id, mh.conversation_id) AS id, mh.message_id,
           (coalesce(t.rank, 0) * 2 + coalesce(mh.rank, 0))::real AS rank
    FROM title_hits t FULL JOIN message_hits mh ON mh.conversation_id = t.conversation_id
  ), page AS (
    SELECT * FROM ranked
    WHERE $4::real IS NULL OR (rank, id) < ($4::real, $5::uuid)
    ORDER BY rank DESC, id DESC LIMIT $3
  )
  SELECT c.id, c.title, c.title_source, c.metadata, c.message_count,
         ${ISO('c.created_at')} AS created_at, ${ISO('c.updated_at')} AS updated_at,
         page.rank, page.message_id AS snippet_message_id,
         ts_headline(${CONFIG},
           translate(left(coalesce(m.content, c.title, ''), ${SNIPPET_SOURCE_CHARS}),
                     '${HIT_START}${HIT_END}', ''),
           query.q, $6) AS snippet
  FROM page JOIN conversations c ON c.id = page.id
  LEFT JOIN messages m ON m.id = page.message_id, query
  ORDER BY page.rank DESC, page.id DESC`;

/** A row of {@link SEARCH_CONVERSATIONS}. */
export interface SearchRow {
  id: string;
  title: string | null;
  title_source: string | null;
  metadata: Record<string, unknown>;
  message_count: number;
  created_at: string;
  updated_at: string;
  rank: number;
  snippet_message_id: string | null;
  snippet: string;
}
