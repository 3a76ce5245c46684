import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { ConversationEntity } from '../conversations/conversation.entity';

/** Where a run is in its life. */
export type RunStatus = 'running' | 'awaiting_approval' | 'completed' | 'failed' | 'cancelled';

/**
 * One agent run: a user message and everything the agent did to answer it. `owner_id` is the key of
 * the advisory lock the executing process holds for its whole life (see `RunNotificationsService`):
 * a running run whose owner's lock is gone belongs to a process that died.
 */
@Entity({ name: 'runs' })
@Check(
  'runs_status_check',
  `status IN ('running', 'awaiting_approval', 'completed', 'failed', 'cancelled')`,
)
@Index('runs_one_active_per_conversation', ['conversationId'], {
  unique: true,
  where: `status IN ('running', 'awaiting_approval')`,
})
@Index('runs_idempotency_key', ['userId', 'conversationId', 'idempotencyKey'], {
  unique: true,
  where: 'idempotency_key IS NOT NULL',
})
@Index('runs_conversation_created_idx', ['conversationId', 'createdAt'])
@Index('runs_events_retention_idx', ['finishedAt'], {
  where: 'events_deleted_at IS NULL AND finished_at IS NOT NULL',
})
export class RunEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @ManyToOne(() => ConversationEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'conversation_id', foreignKeyConstraintName: 'runs_conversation_id_fkey' })
  conversation?: ConversationEntity;

  @Column({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @Column({ type: 'varchar', length: 24, default: 'running' })
  status!: RunStatus;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true })
  idempotencyKey!: string | null;

  @Column({ name: 'finish_reason', type: 'varchar', length: 16, nullable: true })
  finishReason!: string | null;

  @Column({ name: 'error_code', type: 'varchar', length: 64, nullable: true })
  errorCode!: string | null;

  @Column({ name: 'last_seq', type: 'integer', default: 0 })
  lastSeq!: number;

  @Column({ name: 'owner_id', type: 'varchar', length: 64 })
  ownerId!: string;

  /** Since when the run waits for a decision on a tool call (status `awaiting_approval`). */
  @Column({ name: 'awaiting_since', type: 'timestamptz', precision: 3, nullable: true })
  awaitingSince!: Date | null;

  /** The user message the run answers (its own, or an earlier one it regenerates the answer to). */
  @Column({ name: 'user_message_id', type: 'uuid', nullable: true })
  userMessageId!: string | null;

  /** SHA-256 of the request that started the run: a reused Idempotency-Key must match it. */
  @Column({ name: 'request_hash', type: 'varchar', length: 64, nullable: true })
  requestHash!: string | null;

  /** Where the run's end is reported (a background run's `webhook_url`); null: the default. */
  @Column({ name: 'webhook_url', type: 'varchar', length: 2048, nullable: true })
  webhookUrl!: string | null;

  /** When retention deleted the run's events (its messages stay); a resume gets `resync_required`. */
  @Column({ name: 'events_deleted_at', type: 'timestamptz', precision: 3, nullable: true })
  eventsDeletedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', precision: 3, nullable: true })
  finishedAt!: Date | null;
}

/** One stored event of a run; `payload` is the event exactly as streamed. */
@Entity({ name: 'run_events' })
export class RunEventEntity {
  @Column({ name: 'run_id', type: 'uuid', primary: true })
  runId!: string;

  @ManyToOne(() => RunEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'run_events_run_id_fkey' })
  run?: RunEntity;

  @Column({ type: 'integer', primary: true })
  seq!: number;

  @Column({ type: 'varchar', length: 32 })
  type!: string;

  // json, not jsonb: kept byte for byte, so a replay sends exactly what the live stream sent.
  @Column({ type: 'json' })
  payload!: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt!: Date;
}
