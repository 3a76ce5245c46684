import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KnowledgeSearchHit } from '../../agent';
import { resilienceConfig, type ResilienceConfig } from '../../config';
import { EXACT_SEARCH_SQL, pgvectorSearchSql, toHit, type SearchRow } from './search-sql';
import { VectorIndexService } from './vector-index.service';
import { VectorSearcher } from './vector-searcher';

/**
 * Vector search in PostgreSQL: through the HNSW index in pgvector mode, by exact cosine
 * similarity otherwise (see {@link VectorIndexService}). Only chunks whose embedding has the
 * query's length are compared: vectors of another model or size mean nothing to this one.
 */
@Injectable()
export class PostgresVectorSearcher extends VectorSearcher {
  /** The statement timeout: the breaker's call budget, so the query ends when the caller gives up. */
  private readonly statementTimeoutMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly index: VectorIndexService,
    @Inject(resilienceConfig.KEY) resilience: ResilienceConfig,
  ) {
    super();
    this.statementTimeoutMs = resilience.breakers.vector_search.callTimeoutMs;
  }

  /** The `k` nearest chunks, best first. */
  async search(
    embedding: number[],
    k: number,
    _signal: AbortSignal,
  ): Promise<KnowledgeSearchHit[]> {
    const dimensions = embedding.length;
    const [sql, parameters] = this.index.usesIndexFor(dimensions)
      ? [pgvectorSearchSql(dimensions), [embedding, k]]
      : [EXACT_SEARCH_SQL, [embedding, dimensions, k]];
    // A query cannot be aborted through TypeORM; the statement timeout ends it instead, no later
    // than the breaker's own timeout (a pooled connection is not held by an abandoned scan).
    const rows = await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('statement_timeout', $1, true)`, [
        String(this.statementTimeoutMs),
      ]);
      return manager.query<SearchRow[]>(sql, parameters);
    });
    return rows.map(toHit);
  }
}
