import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, Repository } from 'typeorm';
import { randomUUID } from 'node:crypto';
import type { Page } from '../common/pagination/cursor-codec';
import type { SqlPart } from '../database/sql-part';
import { storableText, storableValue } from '../database/storable';
import { appendMessagesSql, type MessageRow } from './message.sql';
import type { PageQueryDto } from '../common/pagination/page-query.dto';
import { messageCursor } from './conversation-cursor';
import { ConversationsService } from './conversations.service';
import { ActiveBranchResponse, MessageResponse } from './dto/conversation.response';
import { ErrorCode, NotFoundDomainException } from '../common/errors/domain.exception';
import { type BranchMessageRow, LIST_BRANCH, SWITCH_BRANCH } from './branch.sql';
import {
  MessageEntity,
  type MessageRole,
  type MessageStatus,
  type StoredToolCall,
} from './message.entity';

/** A message to append to a conversation. */
export interface NewMessage {
  role: MessageRole;
  content: string;
  status?: MessageStatus;
  tokens?: number;
  toolCalls?: StoredToolCall[] | null;
  toolCallId?: string | null;
  toolName?: string | null;
  runId?: string | null;
}

/**
 * Messages of a conversation: appended with the next per-conversation `seq`, read oldest first.
 * `conversations.message_count` is kept equal to the number of messages by the same statement that
 * hands out the `seq`, so the two can never disagree.
 */
@Injectable()
export class MessagesService {
  constructor(
    @InjectRepository(MessageEntity) private readonly messages: Repository<MessageEntity>,
    private readonly conversations: ConversationsService,
  ) {}

  /**
   * The messages of the branch the user's conversation shows (root to active leaf), oldest first,
   * by keyset on `seq` (which grows down a branch), each with its siblings.
   */
  async list(
    userId: string,
    conversationId: string,
    page: PageQueryDto,
  ): Promise<Page<MessageResponse>> {
    await this.conversations.requireOwned(userId, conversationId);
    const after = page.cursor ? messageCursor.decode(page.cursor).s : 0;
    const rows = await this.messages.query<BranchMessageRow[]>(LIST_BRANCH, [
      conversationId,
      after,
      page.limit + 1,
    ]);
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(branchMessage),
      next_cursor: rows.length > page.limit && last ? messageCursor.encode({ s: last.seq }) : null,
    };
  }

  /**
   * Shows another branch: the one through `messageId`, down to its newest descendant.
   * @throws 404 when the conversation is not the user's or the message not one of it
   */
  async switchBranch(
    userId: string,
    conversationId: string,
    messageId: string,
  ): Promise<ActiveBranchResponse> {
    // An UPDATE answers its rows and its count.
    const [rows] = await this.messages.query<[Array<{ active_leaf_id: string }>, number]>(
      SWITCH_BRANCH,
      [conversationId, userId, messageId],
    );
    const row = rows[0];
    if (!row) {
      await this.conversations.requireOwned(userId, conversationId);
      throw new NotFoundDomainException(ErrorCode.MessageNotFound, 'Message');
    }
    return { message_id: messageId, active_leaf_id: row.active_leaf_id };
  }

  /**
   * Appends messages in order inside the caller's transaction, each following the one before, the
   * first one the active leaf; the last one becomes the active leaf. Bumping `message_count` first
   * takes the conversation's row lock, so concurrent appends get distinct, gap-free `seq` numbers.
   */
  async append(
    manager: EntityManager,
    conversationId: string,
    messages: NewMessage[],
  ): Promise<MessageEntity[]> {
    if (messages.length === 0) return [];
    const ids = messages.map(() => randomUUID());
    const bumped = await manager.query<
      [Array<{ message_count: number; previous_leaf: string | null }>, number]
    >(
      `UPDATE conversations c SET message_count = c.message_count + $2, updated_at = now(),
                                  active_leaf_id = $3
       FROM (SELECT id, active_leaf_id FROM conversations WHERE id = $1 FOR UPDATE) AS before
       WHERE c.id = before.id RETURNING c.message_count, before.active_leaf_id AS previous_leaf`,
      [conversationId, messages.length, ids.at(-1)],
    );
    const row = bumped[0][0];
    if (row === undefined) throw new Error(`Conversation ${conversationId} vanished`);
    const firstSeq = row.message_count - messages.length + 1;
    const entities = messages.map((message, index) =>
      manager.create(MessageEntity, {
        id: ids[index],
        parentId: index > 0 ? ids[index - 1] : row.previous_leaf,
        conversationId,
        seq: firstSeq + index,
        role: message.role,
        // What a model or a tool produced may hold what PostgreSQL cannot store.
        content: storableText(message.content),
        status: message.status ?? 'complete',
        tokens: message.tokens ?? 0,
        toolCalls: storableValue(message.toolCalls ?? null),
        toolCallId: message.toolCallId ?? null,
        toolName: message.toolName ?? null,
        runId: message.runId ?? null,
      }),
    );
    return manager.save(MessageEntity, entities);
  }

  /**
   * Prepares messages to be appended by a statement of another module (the end of a run stores its
   * answer with its terminal event in one statement): their ids, chosen now, and the SQL that
   * appends them when the CTE named `guard` has a row.
   */
  prepareAppend(
    conversationId: string,
    messages: readonly NewMessage[],
  ): { ids: string[]; sql: (guard: string) => SqlPart } {
    const rows: MessageRow[] = messages.map((message) => ({
      id: randomUUID(),
      role: message.role,
      // What a model or a tool produced may hold what PostgreSQL cannot store.
      content: storableText(message.content),
      status: message.status ?? 'complete',
      tokens: message.tokens ?? 0,
      tool_calls: storableValue(message.toolCalls ?? null),
      tool_call_id: message.toolCallId ?? null,
      tool_name: message.toolName ?? null,
      run_id: message.runId ?? null,
    }));
    return {
      ids: rows.map((row) => row.id),
      sql: (guard) => appendMessagesSql(conversationId, rows, guard),
    };
  }

  /** Runs `work` in one transaction (used to store a run's messages atomically). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.messages.manager.transaction(work);
  }

  /** One message of the conversation matching `where` (e.g. by id, or a run's user message). */
  findOne(
    conversationId: string,
    where: { id?: string; runId?: string; role?: MessageRole },
  ): Promise<MessageEntity | null> {
    return this.messages.findOneBy({ conversationId, ...where });
  }

  /** The latest message of the conversation matching `where` (e.g. a run's last answer). */
  findLast(
    conversationId: string,
    where: { runId?: string; role?: MessageRole },
  ): Promise<MessageEntity | null> {
    return this.messages.findOne({ where: { conversationId, ...where }, order: { seq: 'DESC' } });
  }
}

/** A message of a branch listing, in the contract's shape. */
function branchMessage(row: BranchMessageRow): MessageResponse {
  return {
    id: row.id,
    parent_id: row.parent_id,
    role: row.role,
    content: row.content,
    ...(row.tool_calls ? { tool_calls: row.tool_calls } : {}),
    ...(row.tool_call_id ? { tool_call_id: row.tool_call_id } : {}),
    ...(row.tool_name ? { tool_name: row.tool_name } : {}),
    tokens: row.tokens,
    status: row.status,
    created_at: row.created_at.toISOString(),
    sibling_count: row.sibling_ids.length,
    sibling_index: row.sibling_ids.indexOf(row.id),
    sibling_ids: row.sibling_ids,
  };
}
