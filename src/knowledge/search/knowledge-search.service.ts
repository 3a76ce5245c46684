import { Inject, Injectable, Logger } from '@nestjs/common';
import type { KnowledgeSearchHit, KnowledgeSearchPort } from '../../agent';
import { CircuitBreakerRegistry, CircuitOpenError } from '../../resilience';
import type { SearchResponse } from '../dto/knowledge.responses';
import type { KnowledgeEmbeddings } from '../embeddings/embeddings.factory';
import { KNOWLEDGE_EMBEDDINGS } from '../knowledge.tokens';
import { KeywordSearcher } from './keyword.searcher';
import { VectorSearcher } from './vector-searcher';

/** The breaker every vector search goes through (2 s call timeout by default). */
const VECTOR_SEARCH_BREAKER = 'vector_search';

/**
 * The knowledge base search, for the HTTP endpoint and the agent's `search_knowledge_base` tool
 * alike: vector search (embedding the query, then nearest chunks) through the `vector_search`
 * circuit breaker, and PostgreSQL full-text search when that fails, times out or is refused.
 */
@Injectable()
export class KnowledgeSearchService implements KnowledgeSearchPort {
  private readonly logger = new Logger('KnowledgeSearch');

  constructor(
    private readonly breakers: CircuitBreakerRegistry,
    @Inject(KNOWLEDGE_EMBEDDINGS) private readonly embeddings: KnowledgeEmbeddings,
    private readonly vectors: VectorSearcher,
    private readonly keywords: KeywordSearcher,
  ) {}

  /**
   * Finds the `k` passages most relevant to `query` and says how.
   *
   * @param signal the caller's cancellation (a cancelled run): it stops the search, no fallback
   */
  async find(query: string, k: number, signal?: AbortSignal): Promise<SearchResponse> {
    try {
      const results = await this.breakers.execute(
        VECTOR_SEARCH_BREAKER,
        async (callSignal) => {
          const embedding = await this.embeddings.embeddings.embedQuery(query);
          return this.vectors.search(embedding, k, callSignal);
        },
        { signal },
      );
      return { strategy: 'vector', results };
    } catch (error) {
      if (signal?.aborted) throw error;
      this.logFallback(error);
      return { strategy: 'keyword_fallback', results: await this.keywords.search(query, k) };
    }
  }

  /** The agent's view: the passages only (see {@link find}). */
  async search(query: string, k: number, signal?: AbortSignal): Promise<KnowledgeSearchHit[]> {
    return (await this.find(query, k, signal)).results;
  }

  private logFallback(error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    // While the breaker is open every search is refused: the breaker already logged why.
    if (error instanceof CircuitOpenError) {
      this.logger.debug(`Vector search refused, answering with keyword search: ${reason}`);
    } else {
      this.logger.warn(`Vector search failed, answering with keyword search: ${reason}`);
    }
  }
}
