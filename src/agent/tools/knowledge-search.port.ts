/** One document the knowledge base found. */
export interface KnowledgeSearchHit {
  document_id: string;
  title: string;
  content: string;
  /** Relevance, higher is better. */
  score: number;
}

/**
 * What the agent needs from the knowledge module: a search. Implemented outside `src/agent/`
 * (vector search, full text...), so the agent does not depend on how documents are stored.
 */
export interface KnowledgeSearchPort {
  /**
   * Finds the `k` documents most relevant to `query`.
   *
   * @param signal aborted when the run is cancelled
   */
  search(query: string, k: number, signal?: AbortSignal): Promise<KnowledgeSearchHit[]>;
}
