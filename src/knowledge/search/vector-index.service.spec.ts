import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { KnowledgeConfig } from '../../config';
import { VectorIndexService } from './vector-index.service';

/** A DataSource that records statements and answers from `answer`. */
function fakeDataSource(answer: (sql: string) => unknown[] | Error) {
  const statements: string[] = [];
  const query = (sql: string) => {
    statements.push(sql);
    const result = answer(sql);
    return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
  };
  const dataSource = {
    query,
    transaction: async (work: (manager: EntityManager) => Promise<unknown>) =>
      work({ query } as unknown as EntityManager),
  } as unknown as DataSource;
  return { dataSource, statements };
}

function config(vectorIndex: 'auto' | 'exact', dimensions: number | undefined): KnowledgeConfig {
  return {
    embeddings: { provider: 'local', model: 'm', dimensions, timeoutMs: 1000 },
    chunkSize: 1000,
    chunkOverlap: 200,
    maxDocumentBytes: 1024,
    vectorIndex,
  };
}

const VECTOR_AVAILABLE = (sql: string) => (sql.includes('pg_available_extensions') ? [{}] : []);

describe('VectorIndexService', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('sets pgvector up when the server has it: extension, then the HNSW index, under a lock', async () => {
    const { dataSource, statements } = fakeDataSource(VECTOR_AVAILABLE);
    const service = new VectorIndexService(dataSource, config('auto', 384));
    expect(service.current()).toEqual({ mode: 'detecting' });
    await service.onApplicationBootstrap();
    expect(service.current()).toEqual({
      mode: 'pgvector',
      dimensions: 384,
      index: 'knowledge_chunks_embedding_hnsw_384',
    });
    expect(statements).toEqual([
      `SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`,
      'SELECT pg_advisory_xact_lock($1)',
      'CREATE EXTENSION IF NOT EXISTS vector',
      expect.stringMatching(/^CREATE INDEX IF NOT EXISTS knowledge_chunks_embedding_hnsw_384 /),
    ]);
    expect(service.usesIndexFor(384)).toBe(true);
    expect(service.usesIndexFor(1536)).toBe(false);
  });

  it('is exact when the server does not have the extension', async () => {
    const { dataSource, statements } = fakeDataSource(() => []);
    const service = new VectorIndexService(dataSource, config('auto', 384));
    await service.onApplicationBootstrap();
    expect(service.current()).toEqual({
      mode: 'exact',
      reason: 'the database server does not have the pgvector extension installed',
    });
    expect(statements).toHaveLength(1);
    expect(service.usesIndexFor(384)).toBe(false);
  });

  it('is exact, saying why, when this role may not create the extension', async () => {
    const { dataSource } = fakeDataSource((sql) =>
      sql.startsWith('CREATE EXTENSION')
        ? new Error('permission denied to create extension "vector"')
        : VECTOR_AVAILABLE(sql),
    );
    const service = new VectorIndexService(dataSource, config('auto', 384));
    await expect(service.detect()).resolves.toEqual({
      mode: 'exact',
      reason: 'pgvector could not be set up: permission denied to create extension "vector"',
    });
  });

  it.each([
    ['KNOWLEDGE_VECTOR_INDEX=exact', config('exact', 384), 'KNOWLEDGE_VECTOR_INDEX=exact'],
    ['an unknown length', config('auto', undefined), 'set EMBEDDINGS_DIMENSIONS'],
    ['too many dimensions', config('auto', 3072), 'an HNSW index takes at most 2000'],
  ])('is exact without asking the database for %s', async (_, settings, reason) => {
    const { dataSource, statements } = fakeDataSource(VECTOR_AVAILABLE);
    const status = await new VectorIndexService(dataSource, settings).detect();
    expect(status).toEqual({ mode: 'exact', reason: expect.stringContaining(reason) });
    expect(statements).toEqual([]);
  });
});
