import {
  createHnswIndexSql,
  EXACT_SEARCH_SQL,
  hnswIndexName,
  KEYWORD_SEARCH_SQL,
  pgvectorSearchSql,
  toHit,
} from './search-sql';

describe('knowledge search SQL', () => {
  it('indexes one embedding length per HNSW expression index', () => {
    expect(hnswIndexName(384)).toBe('knowledge_chunks_embedding_hnsw_384');
    expect(createHnswIndexSql(384)).toBe(
      'CREATE INDEX IF NOT EXISTS knowledge_chunks_embedding_hnsw_384 ON knowledge_chunks ' +
        'USING hnsw ((embedding::vector(384)) vector_cosine_ops) WHERE cardinality(embedding) = 384',
    );
  });

  it('orders the pgvector search by the indexed expression, with the partial-index predicate', () => {
    const sql = pgvectorSearchSql(1536);
    expect(sql).toContain('WHERE cardinality(embedding) = 1536');
    expect(sql).toContain('ORDER BY embedding::vector(1536) <=> $1::real[]::vector(1536)');
    expect(sql).toContain('LIMIT $2');
  });

  it.each([0, -1, 2001, 1.5, Number.NaN])('refuses %p as a vector length (it becomes SQL)', (n) => {
    expect(() => pgvectorSearchSql(n)).toThrow(/Invalid vector length/);
    expect(() => createHnswIndexSql(n)).toThrow(/Invalid vector length/);
  });

  it('compares only embeddings of the query length in the exact search', () => {
    expect(EXACT_SEARCH_SQL).toContain('unnest(c.embedding, $1::real[])');
    expect(EXACT_SEARCH_SQL).toContain('WHERE cardinality(c.embedding) = $2');
  });

  it('matches any query word and ranks whole-query matches first in the keyword search', () => {
    expect(KEYWORD_SEARCH_SQL).toContain("websearch_to_tsquery('english', $1)");
    expect(KEYWORD_SEARCH_SQL).toContain('ts_rank_cd(c.search_vector, q.any_word, 32)');
  });

  it('maps rows to passages, scores as numbers', () => {
    expect(toHit({ document_id: 'd', title: 't', content: 'c', score: '0.25' })).toEqual({
      document_id: 'd',
      title: 't',
      content: 'c',
      score: 0.25,
    });
  });
});
