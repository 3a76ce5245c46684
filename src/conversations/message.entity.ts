import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { ConversationEntity } from './conversation.entity';

/** Who wrote a message. */
export type MessageRole = 'user' | 'assistant' | 'tool';
/** `partial`: a run stopped (cancel, error, shutdown) after producing part of it. */
export type MessageStatus = 'complete' | 'partial' | 'failed';

/** A tool call the assistant asked for, as stored in `messages.tool_calls`. */
export interface StoredToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/**
 * One message of a conversation; `seq` orders them (1, 2, 3… per conversation, in the order they
 * were stored). Messages form a tree through `parent_id`: an edited question or a regenerated
 * answer is a sibling of the earlier one.
 */
@Entity({ name: 'messages' })
@Index('messages_conversation_parent_idx', ['conversationId', 'parentId'])
// A GIN expression index for search, which TypeORM cannot describe: left alone.
@Index('messages_search_idx', { synchronize: false })
@Unique('messages_conversation_seq_key', ['conversationId', 'seq'])
@Check('messages_role_check', `role IN ('user', 'assistant', 'tool')`)
@Check('messages_status_check', `status IN ('complete', 'partial', 'failed')`)
export class MessageEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @ManyToOne(() => ConversationEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({
    name: 'conversation_id',
    foreignKeyConstraintName: 'messages_conversation_id_fkey',
  })
  conversation?: ConversationEntity;

  @Column({ type: 'integer' })
  seq!: number;

  /** The message this one follows; null for a first message (a root). */
  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId!: string | null;

  @ManyToOne(() => MessageEntity, { onDelete: 'CASCADE', nullable: true })
  @JoinColumn({ name: 'parent_id', foreignKeyConstraintName: 'messages_parent_id_fkey' })
  parent?: MessageEntity | null;

  @Column({ type: 'varchar', length: 16 })
  role!: MessageRole;

  @Column({ type: 'text' })
  content!: string;

  @Column({ name: 'tool_calls', type: 'jsonb', nullable: true })
  toolCalls!: StoredToolCall[] | null;

  @Column({ name: 'tool_call_id', type: 'varchar', length: 255, nullable: true })
  toolCallId!: string | null;

  @Column({ name: 'tool_name', type: 'varchar', length: 255, nullable: true })
  toolName!: string | null;

  @Column({ type: 'integer', default: 0 })
  tokens!: number;

  @Column({ type: 'varchar', length: 16, default: 'complete' })
  status!: MessageStatus;

  @Column({ name: 'run_id', type: 'uuid', nullable: true })
  runId!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt!: Date;
}
