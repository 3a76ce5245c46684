import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Page } from '../common/pagination/cursor-codec';
import { ConversationEntity, type TitleSource } from './conversation.entity';
import { searchCursor } from './conversation-cursor';
import {
  HEADLINE_OPTIONS,
  HIT_END,
  HIT_START,
  SEARCH_CONVERSATIONS,
  type SearchRow,
} from './conversation-search.sql';
import type { ConversationListItem } from './dto/conversation.response';

/** Full-text search over one user's conversations (see {@link SEARCH_CONVERSATIONS}). */
@Injectable()
export class ConversationSearchService {
  constructor(
    @InjectRepository(ConversationEntity)
    private readonly conversations: Repository<ConversationEntity>,
  ) {}

  /** The user's conversations matching `query`, best first, by keyset on `(rank, id)`. */
  async search(
    userId: string,
    query: string,
    page: { limit: number; cursor?: string },
  ): Promise<Page<ConversationListItem>> {
    const after = page.cursor ? searchCursor.decode(page.cursor) : undefined;
    const rows = await this.conversations.query<SearchRow[]>(SEARCH_CONVERSATIONS, [
      userId,
      query,
      page.limit + 1,
      after?.r ?? null,
      after?.i ?? null,
      HEADLINE_OPTIONS,
    ]);
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((row) => ({
        id: row.id,
        title: row.title,
        title_source: row.title_source as TitleSource | null,
        metadata: row.metadata,
        message_count: row.message_count,
        created_at: row.created_at,
        updated_at: row.updated_at,
        rank: row.rank,
        snippet: highlighted(row.snippet),
        snippet_message_id: row.snippet_message_id,
      })),
      next_cursor:
        rows.length > page.limit && last ? searchCursor.encode({ r: last.rank, i: last.id }) : null,
    };
  }
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * The snippet safe to show as HTML: the text escaped, then the hit markers made `<mark>` (a
 * message may hold markup; only ours must be live).
 */
function highlighted(snippet: string): string {
  return snippet
    .replace(/[&<>"']/g, (c) => HTML_ESCAPES[c])
    .replaceAll(HIT_START, '<mark>')
    .replaceAll(HIT_END, '</mark>');
}
