// The knowledge module's public API; import from 'src/knowledge' rather than its files.
export { KnowledgeModule } from './knowledge.module';
export { KNOWLEDGE_EMBEDDINGS, KNOWLEDGE_SEARCH } from './knowledge.tokens';
export { KnowledgeSearchService } from './search/knowledge-search.service';
export { VectorSearcher } from './search/vector-searcher';
export { VectorIndexService, type VectorIndexStatus } from './search/vector-index.service';
export { LocalHashEmbeddings } from './embeddings/local-hash.embeddings';
export type { KnowledgeEmbeddings } from './embeddings/embeddings.factory';
