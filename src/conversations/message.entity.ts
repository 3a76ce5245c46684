import {
  Check,
  Column,
  Entity,
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

/** One message of a conversation; `seq` orders them (1, 2, 3… per conversation). */
@Entity({ name: 'messages' })
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
