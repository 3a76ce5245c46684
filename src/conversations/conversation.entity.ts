import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Who wrote a conversation's title. */
export type TitleSource = 'user' | 'generated';

/** A conversation owned by one user (`user_id` is the token's `sub`). */
@Entity({ name: 'conversations' })
@Index('conversations_user_created_idx', ['userId', 'createdAt', 'id'])
// A GIN expression index for search, which TypeORM cannot describe: left alone.
@Index('conversations_search_idx', { synchronize: false })
export class ConversationEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  title!: string | null;

  /** Who wrote the title: `user`, or `generated` after the first answer; null without a title. */
  @Column({ name: 'title_source', type: 'varchar', length: 16, nullable: true })
  titleSource!: TitleSource | null;

  /** The last message of the branch the conversation shows; null while it has no message. */
  @Column({ name: 'active_leaf_id', type: 'uuid', nullable: true })
  activeLeafId!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata!: Record<string, unknown>;

  @Column({ name: 'message_count', type: 'integer', default: 0 })
  messageCount!: number;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  updatedAt!: Date;
}
