import request from 'supertest';
import { Client } from 'pg';
import { KNOWLEDGE_EMBEDDINGS, VectorIndexService, VectorSearcher } from '../src/knowledge';
import type { KnowledgeEmbeddings } from '../src/knowledge';
import { KeywordSearcher } from '../src/knowledge/search/keyword.searcher';
import { pgvectorSearchSql } from '../src/knowledge/search/search-sql';
import { CircuitBreakerRegistry } from '../src/resilience';
import {
  CORPUS,
  KNOWLEDGE,
  searchKnowledge,
  uploadCorpus,
  uploadDocument,
  type CorpusKey,
} from './support/knowledge-corpus';
import { expectProblem } from './support/problem';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

const BREAKERS = '/api/v1/resilience/circuit-breakers';

/** Queries that say what a corpus document is about, mostly in other word forms than its own. */
const RANKING_QUERIES: Array<[string, CorpusKey]> = [
  ['refunding a returned purchase', 'refunds'],
  ['photosynthetic plants absorbing light', 'photosynthesis'],
  ['how long does express delivery take', 'shipping'],
  ['I forgot my password and need a reset link', 'passwords'],
];

describe('Knowledge base (e2e)', () => {
  let t: TestApp;
  let db: Client;
  let admin: string;
  let user: string;
  let ids: Record<CorpusKey, string>;

  beforeAll(async () => {
    t = await startTestApp({
      KNOWLEDGE_CHUNK_SIZE: '120',
      KNOWLEDGE_CHUNK_OVERLAP: '30',
      // A short budget, so the hung-vector-search test waits one second, not two.
      CB_VECTOR_SEARCH_CALL_TIMEOUT_MS: '1000',
    });
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    admin = `Bearer ${await tokenFor('curator', { roles: ['admin'] })}`;
    user = `Bearer ${await tokenFor('reader')}`;
    ids = await uploadCorpus(t, admin);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    // Injected failures count against the breaker; each test starts from a closed one.
    t.app.get(CircuitBreakerRegistry).reset('vector_search');
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const chunkRows = (documentId: string) =>
    db
      .query<{ chunk_index: number; content: string; dims: number; lexemes: string }>(
        `SELECT chunk_index, content, cardinality(embedding) AS dims, search_vector::text AS lexemes
         FROM knowledge_chunks WHERE document_id = $1 ORDER BY chunk_index`,
        [documentId],
      )
      .then((r) => r.rows);

  describe('POST /knowledge/documents', () => {
    it('stores the document split into chunks, each with its embedding and full-text vector', async () => {
      const res = await uploadDocument(t, admin, {
        title: 'Tides',
        content:
          'Tides are the rise and fall of sea levels.\n\nThey are caused by the gravity of the ' +
          'Moon and the Sun acting on the oceans, and by the rotation of the Earth.',
        metadata: { source: 'encyclopedia' },
      }).expect(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        title: 'Tides',
        chunk_count: 2,
      });

      const chunks = await chunkRows(res.body.id);
      expect(chunks).toHaveLength(2);
      expect(chunks.map((c) => c.chunk_index)).toEqual([0, 1]);
      expect(chunks[0].content).toBe('Tides are the rise and fall of sea levels.');
      for (const chunk of chunks) {
        expect(chunk.content.length).toBeLessThanOrEqual(120);
        expect(chunk.dims).toBe(384);
      }
      expect(chunks[1].lexemes).toContain("'moon'");
      const document = await db.query(
        'SELECT metadata, chunk_count, embedding_model, created_by FROM knowledge_documents WHERE id = $1',
        [res.body.id],
      );
      expect(document.rows[0]).toEqual({
        metadata: { source: 'encyclopedia' },
        chunk_count: 2,
        embedding_model: 'local:local-hash-v1',
        created_by: 'curator',
      });
    });

    it('stores nothing when the embedding provider fails (503)', async () => {
      const { embeddings } = t.app.get<KnowledgeEmbeddings>(KNOWLEDGE_EMBEDDINGS);
      jest.spyOn(embeddings, 'embedDocuments').mockRejectedValueOnce(new Error('provider down'));
      const res = await uploadDocument(t, admin, { title: 'Lost', content: 'never stored' });
      expectProblem(res, 503, 'service_unavailable');
      const rows = await db.query(`SELECT 1 FROM knowledge_documents WHERE title = 'Lost'`);
      expect(rows.rowCount).toBe(0);
    });

    it('stores nothing when a chunk cannot be written: document and chunks are one transaction', async () => {
      const { embeddings } = t.app.get<KnowledgeEmbeddings>(KNOWLEDGE_EMBEDDINGS);
      const before = await db.query('SELECT count(*)::int AS n FROM knowledge_chunks');
      // 1e39 is a finite number but out of range for `real`: the document row is written, then
      // the chunk INSERT fails inside the same transaction.
      jest
        .spyOn(embeddings, 'embedDocuments')
        .mockImplementationOnce((texts) => Promise.resolve(texts.map(() => [1e39, 0, 0])));
      const res = await uploadDocument(t, admin, { title: 'Half stored?', content: 'a b c' });
      expectProblem(res, 500, 'internal_error');
      const documents = await db.query(
        `SELECT 1 FROM knowledge_documents WHERE title = 'Half stored?'`,
      );
      expect(documents.rowCount).toBe(0);
      const after = await db.query('SELECT count(*)::int AS n FROM knowledge_chunks');
      expect(after.rows[0].n).toBe(before.rows[0].n);
    });
  });

  describe('GET /knowledge/search', () => {
    it.each(RANKING_QUERIES)(
      'finds by meaning: "%s" ranks the %s document first (vector)',
      async (q, expected) => {
        const res = await searchKnowledge(t, user, { q }).expect(200);
        expect(res.body.strategy).toBe('vector');
        expect(res.body.results[0]).toEqual({
          document_id: ids[expected],
          title: CORPUS[expected].title,
          content: expect.any(String),
          score: expect.any(Number),
        });
        expect(CORPUS[expected].content).toContain(res.body.results[0].content.slice(0, 40));
        const scores = (res.body.results as Array<{ score: number }>).map((r) => r.score);
        expect(scores).toEqual([...scores].sort((a, b) => b - a));
      },
    );

    it('scores each passage with the cosine similarity of the migration function (exact path)', async () => {
      const q = 'how do plants turn light into energy';
      const res = await searchKnowledge(t, user, { q, k: 5 }).expect(200);
      expect(res.body.strategy).toBe('vector');
      const { embeddings } = t.app.get<KnowledgeEmbeddings>(KNOWLEDGE_EMBEDDINGS);
      const query = await embeddings.embedQuery(q);
      for (const hit of res.body.results as Array<{
        document_id: string;
        content: string;
        score: number;
      }>) {
        const [row] = await db
          .query<{ cosine: number }>(
            `SELECT knowledge_cosine_similarity(embedding, $1::real[]) AS cosine
           FROM knowledge_chunks WHERE document_id = $2 AND content = $3`,
            [query, hit.document_id, hit.content],
          )
          .then((r) => r.rows);
        expect(hit.score).toBeCloseTo(row.cosine, 6);
      }
    });

    it('finds by meaning what keyword search cannot: other forms of the words', async () => {
      // The English stemmer keeps "photosynthetic"/"photosynthesis", "greenery"/"green" and
      // "sunlit"/"sunlight" apart; the embedding's character trigrams bring them together.
      const q = 'photosynthetic greenery sunlit';
      expect(await t.app.get(KeywordSearcher).search(q, 5)).toEqual([]);
      const res = await searchKnowledge(t, user, { q }).expect(200);
      expect(res.body.strategy).toBe('vector');
      expect(res.body.results[0].document_id).toBe(ids.photosynthesis);
    });

    it('returns k passages (default 5, at most as many as there are)', async () => {
      const one = await searchKnowledge(t, user, { q: 'refund', k: 1 }).expect(200);
      expect(one.body.results).toHaveLength(1);
      expect(one.body.results[0].document_id).toBe(ids.refunds);
      const byDefault = await searchKnowledge(t, user, { q: 'refund' }).expect(200);
      expect(byDefault.body.results).toHaveLength(5);
      const many = await searchKnowledge(t, user, { q: 'refund', k: 20 }).expect(200);
      const total = await db.query('SELECT count(*)::int AS n FROM knowledge_chunks');
      expect(many.body.results).toHaveLength(Math.min(20, total.rows[0].n as number));
    });

    it.each(RANKING_QUERIES)(
      'falls back to keyword search when vector search fails: "%s" still ranks %s first',
      async (q, expected) => {
        const failing = jest
          .spyOn(t.app.get(VectorSearcher), 'search')
          .mockRejectedValue(new Error('injected vector search failure'));
        const res = await searchKnowledge(t, user, { q }).expect(200);
        expect(failing).toHaveBeenCalledTimes(1);
        expect(res.body.strategy).toBe('keyword_fallback');
        expect(res.body.results[0]).toMatchObject({
          document_id: ids[expected],
          title: CORPUS[expected].title,
        });
      },
    );

    it('ranks passages with every query word above passages with some of them (keyword)', async () => {
      jest.spyOn(t.app.get(VectorSearcher), 'search').mockRejectedValue(new Error('injected'));
      const res = await searchKnowledge(t, user, { q: 'express delivery', k: 20 }).expect(200);
      expect(res.body.strategy).toBe('keyword_fallback');
      const results = res.body.results as Array<{ title: string; content: string; score: number }>;
      const hasBoth = (r: { content: string }) =>
        /express/.test(r.content) && /delivery/.test(r.content);
      const whole = results.filter(hasBoth);
      const partial = results.filter((r) => !hasBoth(r));
      // The refund policy mentions delivery only, the shipping page's last chunk express only.
      expect(whole.map((r) => r.title)).toEqual(['Shipping times']);
      expect(partial.map((r) => r.title).sort()).toEqual(['Refund policy', 'Shipping times']);
      expect(results[0]).toEqual(whole[0]);
      expect(whole[0].score).toBeGreaterThan(1);
      for (const r of partial) expect(r.score).toBeLessThan(1);
    });

    it('falls back when vector search hangs past the breaker timeout', async () => {
      jest
        .spyOn(t.app.get(VectorSearcher), 'search')
        .mockImplementation(() => new Promise(() => undefined));
      const started = Date.now();
      const res = await searchKnowledge(t, user, { q: 'password reset' }).expect(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(res.body.strategy).toBe('keyword_fallback');
      expect(res.body.results[0].document_id).toBe(ids.passwords);
      const breaker = await request(t.server)
        .get(`${BREAKERS}/vector_search`)
        .set('Authorization', admin)
        .expect(200);
      expect(breaker.body.metrics.timeouts).toBe(1);
    });

    it('falls back while the vector_search breaker is open, and the health shows it degraded', async () => {
      const searcher = jest.spyOn(t.app.get(VectorSearcher), 'search');
      await request(t.server)
        .post(`${BREAKERS}/vector_search/isolate`)
        .set('Authorization', admin)
        .expect(200);
      const res = await searchKnowledge(t, user, { q: 'refund' }).expect(200);
      expect(res.body.strategy).toBe('keyword_fallback');
      expect(res.body.results[0].document_id).toBe(ids.refunds);
      expect(searcher).not.toHaveBeenCalled();

      const health = await request(t.server).get('/health/detailed').set('Authorization', admin);
      expect(health.body.details.vector_search).toMatchObject({
        status: 'up',
        state: 'degraded',
        circuit_state: 'OPEN',
        fallback: 'keyword',
      });
    });

    it('answers an empty result list when nothing matches', async () => {
      jest.spyOn(t.app.get(VectorSearcher), 'search').mockRejectedValue(new Error('injected'));
      const res = await searchKnowledge(t, user, { q: 'zyzzyva' }).expect(200);
      expect(res.body).toEqual({ strategy: 'keyword_fallback', results: [] });
    });
  });

  describe('DELETE /knowledge/documents/{id}', () => {
    it('removes the document and its chunks; neither search finds it any more', async () => {
      const created = await uploadDocument(t, admin, {
        title: 'Volcanoes',
        content:
          'Volcanoes erupt when magma rises through the crust. Magma that reaches the surface is lava.',
      }).expect(201);
      const id = created.body.id as string;
      const before = await searchKnowledge(t, user, { q: 'magma volcano eruption' }).expect(200);
      expect(before.body.results[0].document_id).toBe(id);

      await request(t.server)
        .delete(`${KNOWLEDGE}/documents/${id}`)
        .set('Authorization', admin)
        .expect(204);
      expect(await chunkRows(id)).toEqual([]);
      const document = await db.query('SELECT 1 FROM knowledge_documents WHERE id = $1', [id]);
      expect(document.rowCount).toBe(0);

      const vector = await searchKnowledge(t, user, { q: 'magma volcano eruption', k: 20 });
      expect(vector.body.strategy).toBe('vector');
      expect(vector.body.results.map((r: { document_id: string }) => r.document_id)).not.toContain(
        id,
      );
      jest.spyOn(t.app.get(VectorSearcher), 'search').mockRejectedValue(new Error('injected'));
      const keyword = await searchKnowledge(t, user, { q: 'magma volcano eruption' });
      expect(keyword.body).toEqual({ strategy: 'keyword_fallback', results: [] });

      const again = await request(t.server)
        .delete(`${KNOWLEDGE}/documents/${id}`)
        .set('Authorization', admin);
      expectProblem(again, 404, 'not_found');
    });
  });

  describe('vector search mode', () => {
    it('uses pgvector with an HNSW index where the server has the extension, else says why it is exact', async () => {
      const available = await db.query(
        `SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`,
      );
      const status = t.app.get(VectorIndexService).current();
      const health = await request(t.server).get('/health/detailed').set('Authorization', admin);

      if (available.rowCount === 0) {
        // The embedded PostgreSQL never has pgvector, and Debian bookworm (this machine's and
        // CI's) has no postgresql-15-pgvector package, so here the exact path is the one in
        // service, and it must say so. Where the extension exists, the branch below runs instead.
        expect(status).toEqual({
          mode: 'exact',
          reason: 'the database server does not have the pgvector extension installed',
        });
        expect(health.body.details.vector_search).toMatchObject({
          state: 'up',
          mode: 'exact',
          reason: 'the database server does not have the pgvector extension installed',
          embeddings: 'local:local-hash-v1',
        });
        return;
      }

      expect(status).toEqual({
        mode: 'pgvector',
        dimensions: 384,
        index: 'knowledge_chunks_embedding_hnsw_384',
      });
      expect(health.body.details.vector_search).toMatchObject({ state: 'up', mode: 'pgvector' });
      const index = await db.query(
        `SELECT indexdef FROM pg_indexes WHERE indexname = 'knowledge_chunks_embedding_hnsw_384'`,
      );
      expect(index.rows[0].indexdef).toContain('USING hnsw');

      // The planner takes the index for the search query (forced: the table is tiny).
      const { embeddings } = t.app.get<KnowledgeEmbeddings>(KNOWLEDGE_EMBEDDINGS);
      const embedding = await embeddings.embedQuery('refund');
      await db.query('BEGIN');
      await db.query('SET LOCAL enable_seqscan = off');
      const plan = await db.query(`EXPLAIN ${pgvectorSearchSql(384)}`, [embedding, 3]);
      await db.query('ROLLBACK');
      expect(plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n')).toContain(
        'knowledge_chunks_embedding_hnsw_384',
      );

      // The same database searched exactly gives the same winners.
      const exactApp = await startTestApp(
        { KNOWLEDGE_VECTOR_INDEX: 'exact' },
        { shareDatabaseWith: t },
      );
      try {
        for (const [q] of RANKING_QUERIES) {
          const viaIndex = await searchKnowledge(t, user, { q, k: 1 }).expect(200);
          const exact = await searchKnowledge(exactApp, user, { q, k: 1 }).expect(200);
          expect(viaIndex.body.results[0].document_id).toBe(exact.body.results[0].document_id);
        }
      } finally {
        await exactApp.close();
      }
    });

    it('takes the exact path when KNOWLEDGE_VECTOR_INDEX=exact, with the same winners', async () => {
      const exactApp = await startTestApp(
        { KNOWLEDGE_VECTOR_INDEX: 'exact' },
        { shareDatabaseWith: t },
      );
      try {
        expect(exactApp.app.get(VectorIndexService).current()).toEqual({
          mode: 'exact',
          reason: 'KNOWLEDGE_VECTOR_INDEX=exact',
        });
        for (const [q, expected] of RANKING_QUERIES) {
          const res = await searchKnowledge(exactApp, user, { q }).expect(200);
          expect(res.body.strategy).toBe('vector');
          expect(res.body.results[0].document_id).toBe(ids[expected]);
        }
      } finally {
        await exactApp.close();
      }
    });
  });
});
