import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { knowledgeConfig, type KnowledgeConfig } from '../../config';
import { createHnswIndexSql, hnswIndexName, MAX_HNSW_DIMENSIONS } from './search-sql';

/** How vector search runs: pgvector's HNSW index, or exact cosine similarity over `real[]`. */
export type VectorSearchMode = 'pgvector' | 'exact';

/** What the start-up detection decided, for searches, logs and `/health/detailed`. */
export type VectorIndexStatus =
  | { mode: 'detecting' }
  | { mode: 'pgvector'; dimensions: number; index: string }
  | { mode: 'exact'; reason: string };

// Serialises set-up across replicas starting together: CREATE EXTENSION IF NOT EXISTS and
// CREATE INDEX IF NOT EXISTS are not safe against each other when run concurrently.
const SETUP_LOCK_KEY = 0x6b6e6f77; // "know"

/**
 * Chooses the vector search mode once, at start, and sets pgvector up when it chooses it: the
 * server must offer the `vector` extension (`pg_available_extensions`), this role must be able to
 * create it (or it must exist), and the embedding length must be known and indexable. Anything
 * else means the exact mode, with the reason logged and shown in `/health/detailed`.
 */
@Injectable()
export class VectorIndexService implements OnApplicationBootstrap {
  private readonly logger = new Logger('KnowledgeVectorIndex');
  private status: VectorIndexStatus = { mode: 'detecting' };

  constructor(
    private readonly dataSource: DataSource,
    @Inject(knowledgeConfig.KEY) private readonly config: KnowledgeConfig,
  ) {}

  /** Detects the mode once migrations have run (they run in the database module's init). */
  async onApplicationBootstrap(): Promise<void> {
    this.status = await this.detect();
    if (this.status.mode === 'pgvector') {
      this.logger.log(
        `Vector search: pgvector HNSW index ${this.status.index} (${this.status.dimensions} dimensions)`,
      );
    } else {
      this.logger.log(`Vector search: exact cosine similarity in PostgreSQL (${this.describe()})`);
    }
  }

  /** The decision in force. */
  current(): VectorIndexStatus {
    return this.status;
  }

  /** Whether a query embedding of this length is searched through the HNSW index. */
  usesIndexFor(dimensions: number): boolean {
    return this.status.mode === 'pgvector' && this.status.dimensions === dimensions;
  }

  /** Decides the mode, creating the extension and the index when pgvector is possible. */
  async detect(): Promise<VectorIndexStatus> {
    if (this.config.vectorIndex === 'exact') {
      return exact('KNOWLEDGE_VECTOR_INDEX=exact');
    }
    const dimensions = this.config.embeddings.dimensions;
    if (dimensions === undefined) {
      return exact('the embedding length is unknown; set EMBEDDINGS_DIMENSIONS to index it');
    }
    if (dimensions > MAX_HNSW_DIMENSIONS) {
      return exact(
        `embeddings have ${dimensions} dimensions; an HNSW index takes at most ${MAX_HNSW_DIMENSIONS}`,
      );
    }
    try {
      const available = await this.dataSource.query<unknown[]>(
        `SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`,
      );
      if (available.length === 0) {
        return exact('the database server does not have the pgvector extension installed');
      }
      await this.dataSource.transaction(async (manager) => {
        await manager.query('SELECT pg_advisory_xact_lock($1)', [SETUP_LOCK_KEY]);
        await manager.query('CREATE EXTENSION IF NOT EXISTS vector');
        await manager.query(createHnswIndexSql(dimensions));
      });
    } catch (error) {
      // Typically "permission denied to create extension": creating it needs more rights.
      return exact(
        `pgvector could not be set up: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return { mode: 'pgvector', dimensions, index: hnswIndexName(dimensions) };
  }

  private describe(): string {
    return this.status.mode === 'exact' ? this.status.reason : this.status.mode;
  }
}

function exact(reason: string): VectorIndexStatus {
  return { mode: 'exact', reason };
}
