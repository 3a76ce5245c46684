import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ErrorCode, NotFoundDomainException } from '../common/errors/domain.exception';
import type { Page } from '../common/pagination/cursor-codec';
import type { PageQueryDto } from '../common/pagination/page-query.dto';
import { ConversationEntity, type TitleSource } from './conversation.entity';
import { conversationCursor } from './conversation-cursor';
import {
  INSERT_CONVERSATION,
  LIST_CONVERSATIONS,
  LIST_CONVERSATIONS_AFTER,
  SET_GENERATED_TITLE,
  type ConversationRow,
} from './conversation.sql';
import type { CreateConversationDto } from './dto/create-conversation.dto';
import { ConversationResponse } from './dto/conversation.response';
import type { UpdateConversationDto } from './dto/update-conversation.dto';

/**
 * Conversations of one user. Every method takes the caller's id: a conversation owned by someone
 * else is reported exactly like one that does not exist (404), so ids cannot be probed.
 */
@Injectable()
export class ConversationsService {
  constructor(
    @InjectRepository(ConversationEntity)
    private readonly conversations: Repository<ConversationEntity>,
  ) {}

  /** Creates an empty conversation owned by the user. */
  async create(userId: string, body: CreateConversationDto): Promise<ConversationResponse> {
    const rows = await this.conversations.query<ConversationRow[]>(INSERT_CONVERSATION, [
      userId,
      body.title ?? null,
      JSON.stringify(body.metadata ?? {}),
    ]);
    return rows[0];
  }

  /** The user's conversations, newest first, by keyset on `(created_at, id)`. */
  async list(userId: string, page: PageQueryDto): Promise<Page<ConversationResponse>> {
    const after = page.cursor ? conversationCursor.decode(page.cursor) : undefined;
    const rows = await this.conversations.query<ConversationRow[]>(
      after ? LIST_CONVERSATIONS_AFTER : LIST_CONVERSATIONS,
      after ? [userId, page.limit + 1, after.t, after.i] : [userId, page.limit + 1],
    );
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items,
      next_cursor:
        rows.length > page.limit && last
          ? conversationCursor.encode({ t: last.created_at, i: last.id })
          : null,
    };
  }

  /** One conversation of the user. */
  async get(userId: string, id: string): Promise<ConversationResponse> {
    return ConversationResponse.from(await this.requireOwned(userId, id));
  }

  /** Replaces the fields present in the body. */
  async update(
    userId: string,
    id: string,
    body: UpdateConversationDto,
  ): Promise<ConversationResponse> {
    const changes: QueryDeepPartialEntity<ConversationEntity> = {};
    if (body.title !== undefined) {
      changes.title = body.title;
      // Also a cleared title: the user chose it, so none is generated.
      changes.titleSource = 'user';
    }
    // jsonb is written whole; TypeORM's deep-partial type cannot express an open JSON object.
    if (body.metadata !== undefined)
      changes.metadata = body.metadata as QueryDeepPartialEntity<object>;
    const result = await this.conversations
      .createQueryBuilder()
      .update(ConversationEntity)
      .set({ ...changes, updatedAt: () => 'now()' })
      .where('id = :id AND user_id = :userId', { id, userId })
      .returning('*')
      .execute();
    const raw = (result.raw as Record<string, unknown>[])[0];
    if (!raw) throw notFound();
    return ConversationResponse.from(this.conversations.create(this.fromRaw(raw)));
  }

  /** Deletes the conversation; its messages and run events go with it (ON DELETE CASCADE). */
  async remove(userId: string, id: string): Promise<void> {
    const result = await this.conversations.delete({ id, userId });
    if (!result.affected) throw notFound();
  }

  /**
   * Stores a generated title unless the conversation has one or the user chose none meanwhile.
   * @returns whether it was stored
   */
  async setGeneratedTitle(id: string, title: string): Promise<boolean> {
    // An UPDATE answers its rows and its count.
    const [rows] = await this.conversations.query<[unknown[], number]>(SET_GENERATED_TITLE, [
      id,
      title,
    ]);
    return rows.length > 0;
  }

  /** Loads a conversation the user owns, or throws the 404 domain error. */
  async requireOwned(userId: string, id: string): Promise<ConversationEntity> {
    const conversation = await this.conversations.findOneBy({ id, userId });
    if (!conversation) throw notFound();
    return conversation;
  }

  private fromRaw(raw: Record<string, unknown>): Partial<ConversationEntity> {
    return {
      id: raw.id as string,
      userId: raw.user_id as string,
      title: raw.title as string | null,
      titleSource: raw.title_source as TitleSource | null,
      metadata: raw.metadata as Record<string, unknown>,
      messageCount: raw.message_count as number,
      createdAt: raw.created_at as Date,
      updatedAt: raw.updated_at as Date,
    };
  }
}

function notFound(): NotFoundDomainException {
  return new NotFoundDomainException(ErrorCode.ConversationNotFound, 'Conversation');
}
