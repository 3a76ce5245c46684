import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A document of the knowledge base, kept whole beside its chunks. */
@Entity({ name: 'knowledge_documents' })
export class KnowledgeDocumentEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 500 })
  title!: string;

  @Column({ type: 'text' })
  content!: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata!: Record<string, unknown>;

  @Column({ name: 'chunk_count', type: 'integer' })
  chunkCount!: number;

  /** The embedding model its chunks were embedded with (`provider:model`), to spot stale vectors. */
  @Column({ name: 'embedding_model', type: 'varchar', length: 255 })
  embeddingModel!: string;

  /** The admin who uploaded it (the token's `sub`). */
  @Column({ name: 'created_by', type: 'varchar', length: 255 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createdAt!: Date;
}
