import type { KnowledgeSearchHit } from '../../agent';

/**
 * Finds the chunks nearest to a query embedding. An abstract class so that it is its own
 * injection token: tests replace or spy on it (`app.get(VectorSearcher)`) to make vector search
 * fail or hang and see the keyword fallback.
 */
export abstract class VectorSearcher {
  /**
   * The `k` chunks nearest to `embedding`, best first.
   *
   * @param signal aborted when the `vector_search` breaker gives up on the call
   */
  abstract search(
    embedding: number[],
    k: number,
    signal: AbortSignal,
  ): Promise<KnowledgeSearchHit[]>;
}
