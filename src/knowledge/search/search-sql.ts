/**
 * The SQL of the knowledge searches, in one place. Each returns rows of {@link SearchRow}, best
 * first, with ties broken by document and chunk so that equal scores come back in a stable order.
 */

/** A row of any search query. */
export interface SearchRow {
  document_id: string;
  title: string;
  content: string;
  score: number | string;
}

/** pgvector's HNSW index takes vectors of at most this many dimensions. */
export const MAX_HNSW_DIMENSIONS = 2000;

/** Name of the HNSW index for embeddings of `dimensions` (one per length in use). */
export function hnswIndexName(dimensions: number): string {
  return `knowledge_chunks_embedding_hnsw_${checkedDimensions(dimensions)}`;
}

/**
 * The pgvector HNSW index: an expression index over the `real[]` column cast to `vector(n)`, for
 * the chunks of that length only. Being an expression index, it is invisible to TypeORM's schema
 * comparison; dropping the table drops it.
 */
export function createHnswIndexSql(dimensions: number): string {
  const n = checkedDimensions(dimensions);
  return (
    `CREATE INDEX IF NOT EXISTS ${hnswIndexName(n)} ON knowledge_chunks ` +
    `USING hnsw ((embedding::vector(${n})) vector_cosine_ops) WHERE cardinality(embedding) = ${n}`
  );
}

/**
 * Nearest chunks by cosine distance through the HNSW index (approximate). `$1`: the query
 * embedding (`real[]`), `$2`: how many. The length is a literal so the planner can match the
 * partial index's predicate and expression.
 */
export function pgvectorSearchSql(dimensions: number): string {
  const n = checkedDimensions(dimensions);
  const distance = `embedding::vector(${n}) <=> $1::real[]::vector(${n})`;
  return `
    SELECT near.document_id, d.title, near.content, 1 - near.distance AS score
    FROM (
      SELECT document_id, chunk_index, content, ${distance} AS distance
      FROM knowledge_chunks
      WHERE cardinality(embedding) = ${n}
      ORDER BY ${distance}
      LIMIT $2
    ) near
    JOIN knowledge_documents d ON d.id = near.document_id
    ORDER BY near.distance, near.document_id, near.chunk_index`;
}

/**
 * Every chunk of the query's length ranked by exact cosine similarity, computed in PostgreSQL (the
 * formula of the migration's `knowledge_cosine_similarity`, NULL when either vector is all zeros).
 * `$1`: the query embedding, `$2`: its length, `$3`: how many. A full scan: fine for thousands of
 * chunks, the reason pgvector exists beyond that (figures in docs/PERFORMANCE.md).
 *
 * Written as a LATERAL subquery rather than a call of that function: the planner pushes
 * `score IS NOT NULL` into the scan, so the function would run twice per chunk (filter and sort),
 * and each call of a SQL function has its own executor set-up.
 */
export const EXACT_SEARCH_SQL = `
  SELECT scored.document_id, d.title, scored.content, scored.score
  FROM (
    SELECT c.document_id, c.chunk_index, c.content, s.score
    FROM knowledge_chunks c
    CROSS JOIN LATERAL (
      SELECT sum(x::float8 * y) / NULLIF(sqrt(sum(x::float8 * x)) * sqrt(sum(y::float8 * y)), 0)
             AS score
      FROM unnest(c.embedding, $1::real[]) AS t (x, y)
    ) s
    WHERE cardinality(c.embedding) = $2
  ) scored
  JOIN knowledge_documents d ON d.id = scored.document_id
  WHERE scored.score IS NOT NULL
  ORDER BY scored.score DESC, scored.document_id, scored.chunk_index
  LIMIT $3`;

/**
 * Full-text search (English stemming) over the GIN-indexed `search_vector`. A chunk matches when
 * it has any of the query's words, so a question still finds passages that lack some of its words;
 * it is ranked by `ts_rank_cd` (normalised to 0..1), plus 1 when it satisfies the whole query as
 * `websearch_to_tsquery` reads it (every word, "quoted phrases", -exclusions). `$1`: the query,
 * `$2`: how many.
 */
export const KEYWORD_SEARCH_SQL = `
  SELECT c.document_id, d.title, c.content,
         ts_rank_cd(c.search_vector, q.any_word, 32)
           + CASE WHEN c.search_vector @@ q.whole THEN 1 ELSE 0 END AS score
  FROM (
    SELECT websearch_to_tsquery('english', $1) AS whole,
           -- plainto_tsquery joins the query's lexemes with &; any one of them is enough here.
           replace(plainto_tsquery('english', $1)::text, '&', '|')::tsquery AS any_word
  ) q
  JOIN knowledge_chunks c ON c.search_vector @@ q.any_word
  JOIN knowledge_documents d ON d.id = c.document_id
  ORDER BY score DESC, c.document_id, c.chunk_index
  LIMIT $2`;

/** The length as a safe SQL literal: a positive integer within pgvector's limit. */
function checkedDimensions(dimensions: number): number {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_HNSW_DIMENSIONS) {
    throw new Error(`Invalid vector length for pgvector: ${dimensions}`);
  }
  return dimensions;
}

/** Maps a row to the API's passage (PostgreSQL's float8 may arrive as a string). */
export function toHit(row: SearchRow) {
  return {
    document_id: row.document_id,
    title: row.title,
    content: row.content,
    score: Number(row.score),
  };
}
