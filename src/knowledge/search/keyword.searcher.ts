import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KnowledgeSearchHit } from '../../agent';
import { KEYWORD_SEARCH_SQL, toHit, type SearchRow } from './search-sql';

/** PostgreSQL full-text search over the chunks (see `KEYWORD_SEARCH_SQL` for the ranking). */
@Injectable()
export class KeywordSearcher {
  constructor(private readonly dataSource: DataSource) {}

  /** The `k` best-matching chunks, best first; none when the query has no searchable word. */
  async search(query: string, k: number): Promise<KnowledgeSearchHit[]> {
    const rows = await this.dataSource.query<SearchRow[]>(KEYWORD_SEARCH_SQL, [query, k]);
    return rows.map(toHit);
  }
}
