import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The full-text expression of `knowledge_chunks.search_vector` (the entity states it too). */
const SEARCH_VECTOR_EXPRESSION = `to_tsvector('english', content)`;

/**
 * The knowledge base: documents and their chunks, each chunk with its embedding and a full-text
 * vector. One schema serves both vector search modes: embeddings are always a `real[]` column, and
 * the exact mode ranks by {@link knowledge_cosine_similarity}. The pgvector HNSW index is not made
 * here: it needs an extension that only some servers have (and creating it may need a superuser),
 * so the knowledge module creates it at start when it can (see `src/knowledge/vector-index`), as
 * an expression index that TypeORM's schema comparison does not see.
 */
export class CreateKnowledge1764200000000 implements MigrationInterface {
  name = 'CreateKnowledge1764200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE knowledge_documents (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title           varchar(500) NOT NULL,
        content         text NOT NULL,
        metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
        chunk_count     integer NOT NULL,
        embedding_model varchar(255) NOT NULL,
        created_by      varchar(255) NOT NULL,
        created_at      timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE knowledge_chunks (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        document_id   uuid NOT NULL REFERENCES knowledge_documents (id) ON DELETE CASCADE,
        chunk_index   integer NOT NULL,
        content       text NOT NULL,
        embedding     real[] NOT NULL,
        search_vector tsvector GENERATED ALWAYS AS (${SEARCH_VECTOR_EXPRESSION}) STORED,
        -- Orders a document's chunks and serves the cascade on delete.
        CONSTRAINT knowledge_chunks_document_chunk_key UNIQUE (document_id, chunk_index)
      )`);
    // Serves the keyword search (websearch_to_tsquery / @@).
    await db.query(
      'CREATE INDEX knowledge_chunks_search_idx ON knowledge_chunks USING gin (search_vector)',
    );
    // The exact vector search: cosine similarity of two arrays, NULL when either is all zeros.
    await db.query(`
      CREATE FUNCTION knowledge_cosine_similarity(a real[], b real[]) RETURNS double precision
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT sum(x::float8 * y) / NULLIF(sqrt(sum(x::float8 * x)) * sqrt(sum(y::float8 * y)), 0)
        FROM unnest(a, b) AS t (x, y)
      $$`);
    // TypeORM compares a generated column's expression with the copy it keeps in typeorm_metadata
    // (the database reformats its own), as its generated migrations do. TypeORM creates that table
    // itself before running or reverting migrations once an entity has a generated column.
    await db.query(`
      CREATE TABLE IF NOT EXISTS typeorm_metadata (
        "type" varchar NOT NULL, "database" varchar, "schema" varchar, "table" varchar,
        "name" varchar, "value" text
      )`);
    await db.query(
      `INSERT INTO typeorm_metadata ("database", "schema", "table", "type", "name", "value")
       VALUES (current_database(), current_schema(), 'knowledge_chunks', 'GENERATED_COLUMN',
               'search_vector', $1)`,
      [SEARCH_VECTOR_EXPRESSION],
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `DELETE FROM typeorm_metadata
       WHERE "type" = 'GENERATED_COLUMN' AND "table" = 'knowledge_chunks' AND "name" = 'search_vector'`,
    );
    await db.query('DROP FUNCTION knowledge_cosine_similarity(real[], real[])');
    await db.query('DROP TABLE knowledge_chunks');
    await db.query('DROP TABLE knowledge_documents');
  }
}
