import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Where a delivery is: waiting for its (next) attempt, accepted by the receiver, or given up. */
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One attempt to deliver, as kept in `attempt_log` (the newest last, bounded). */
export interface WebhookAttempt {
  at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

/**
 * The webhook outbox: one row per notification, inserted in the statement that ends the run (so a
 * run never ends without its notification), delivered at least once by whichever instance claims
 * it. The body is stored as the exact bytes that are signed and sent, and it names no row of
 * another table: a deleted conversation does not take away a notification already due.
 */
@Entity({ name: 'webhook_deliveries' })
@Check('webhook_deliveries_status_check', `status IN ('pending', 'delivered', 'failed')`)
@Index('webhook_deliveries_due_idx', ['nextAttemptAt'], { where: `status = 'pending'` })
@Index('webhook_deliveries_created_idx', ['createdAt'])
export class WebhookDeliveryEntity {
  /** Also the `webhook-id` header: the same on every attempt, so receivers can de-duplicate. */
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  /** `run.completed`, `run.failed`, `run.cancelled`, `run.awaiting_approval`. */
  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType!: string;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: WebhookDeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'attempt_log', type: 'jsonb', default: () => `'[]'` })
  attemptLog!: WebhookAttempt[];

  @Column({ name: 'next_attempt_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  nextAttemptAt!: Date;

  /** Until when the instance that claimed it is sending it; after that any instance may. */
  @Column({ name: 'lease_until', type: 'timestamptz', precision: 3, nullable: true })
  leaseUntil!: Date | null;

  /** After this, a failed attempt gives the delivery up (`failed`). */
  @Column({ name: 'give_up_at', type: 'timestamptz', precision: 3 })
  giveUpAt!: Date;

  @Column({ name: 'last_status_code', type: 'integer', nullable: true })
  lastStatusCode!: number | null;

  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', precision: 3, nullable: true })
  deliveredAt!: Date | null;
}
