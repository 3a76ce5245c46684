import { ApiProperty } from '@nestjs/swagger';
import type { KnowledgeSearchHit } from '../../agent';

/** Answer of `POST /knowledge/documents`. */
export class DocumentCreatedResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ description: 'How many passages the document was split into.' })
  chunk_count!: number;
}

/** One passage a search found. */
export class SearchHitResponse implements KnowledgeSearchHit {
  @ApiProperty({ format: 'uuid' }) document_id!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ description: 'The passage (one chunk of the document).' }) content!: string;
  @ApiProperty({
    description:
      'Relevance, higher is better. vector: cosine similarity (-1..1); keyword_fallback: ' +
      'ts_rank_cd, plus 1 when the passage matches the whole query.',
  })
  score!: number;
}

/** How a search was answered. */
export type SearchStrategy = 'vector' | 'keyword_fallback';

/** Answer of `GET /knowledge/search`. */
export class SearchResponse {
  @ApiProperty({
    enum: ['vector', 'keyword_fallback'],
    description: 'keyword_fallback: vector search failed, timed out or its breaker is open.',
  })
  strategy!: SearchStrategy;

  @ApiProperty({ type: [SearchHitResponse] }) results!: SearchHitResponse[];
}
