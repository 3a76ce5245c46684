import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { knowledgeConfig, llmConfig, type KnowledgeConfig, type LlmConfig } from '../config';
import { HealthModule } from '../health';
import { createEmbeddings } from './embeddings/embeddings.factory';
import { KnowledgeChunkEntity } from './knowledge-chunk.entity';
import { KnowledgeDocumentEntity } from './knowledge-document.entity';
import { KnowledgeDocumentsService } from './knowledge-documents.service';
import { KnowledgeController } from './knowledge.controller';
import { KNOWLEDGE_EMBEDDINGS, KNOWLEDGE_SEARCH } from './knowledge.tokens';
import { KeywordSearcher } from './search/keyword.searcher';
import { KnowledgeSearchService } from './search/knowledge-search.service';
import { PostgresVectorSearcher } from './search/postgres-vector.searcher';
import { VectorIndexService } from './search/vector-index.service';
import { VectorSearchHealthContributor } from './search/vector-search.health';
import { VectorSearcher } from './search/vector-searcher';

/**
 * The knowledge base: documents, chunks and embeddings in PostgreSQL; vector search (pgvector or
 * exact) with a keyword fallback. Global so that the agent runner (in the runs module) can inject
 * {@link KNOWLEDGE_SEARCH} without the runs module depending on this one; it exports nothing else.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([KnowledgeDocumentEntity, KnowledgeChunkEntity]),
    HealthModule,
  ],
  controllers: [KnowledgeController],
  providers: [
    {
      provide: KNOWLEDGE_EMBEDDINGS,
      inject: [knowledgeConfig.KEY, llmConfig.KEY],
      useFactory: (knowledge: KnowledgeConfig, llm: LlmConfig) => createEmbeddings(knowledge, llm),
    },
    VectorIndexService,
    { provide: VectorSearcher, useClass: PostgresVectorSearcher },
    KeywordSearcher,
    KnowledgeSearchService,
    { provide: KNOWLEDGE_SEARCH, useExisting: KnowledgeSearchService },
    KnowledgeDocumentsService,
    VectorSearchHealthContributor,
  ],
  exports: [KNOWLEDGE_SEARCH],
})
export class KnowledgeModule {}
