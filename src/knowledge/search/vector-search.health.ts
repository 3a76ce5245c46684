import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HealthContributorRegistry, type DependencyReport } from '../../health';
import { CircuitBreakerRegistry } from '../../resilience';
import type { KnowledgeEmbeddings } from '../embeddings/embeddings.factory';
import { KNOWLEDGE_EMBEDDINGS } from '../knowledge.tokens';
import { VectorIndexService } from './vector-index.service';

/**
 * The `vector_search` entry of `/health/detailed` (not critical: searches fall back to keyword
 * search). `up` when vector search is in service, `degraded` while its breaker is not closed (so
 * searches are answered by keyword search), `unknown` before the start-up detection has run. It
 * shows the mode (`pgvector` or `exact`, with the reason), and the embedding model.
 */
@Injectable()
export class VectorSearchHealthContributor implements OnModuleInit, OnModuleDestroy {
  private unregister: (() => void) | undefined;

  constructor(
    private readonly registry: HealthContributorRegistry,
    private readonly index: VectorIndexService,
    private readonly breakers: CircuitBreakerRegistry,
    @Inject(KNOWLEDGE_EMBEDDINGS) private readonly embeddings: KnowledgeEmbeddings,
  ) {}

  /** Adds `vector_search` to `/health/detailed`. */
  onModuleInit(): void {
    this.unregister = this.registry.register({
      key: 'vector_search',
      critical: false,
      check: () => this.report(),
    });
  }

  /** Takes it out again. */
  onModuleDestroy(): void {
    this.unregister?.();
  }

  /** The current report. */
  report(): DependencyReport {
    const status = this.index.current();
    const circuitState = this.breakers.get('vector_search').state;
    const state =
      status.mode === 'detecting' ? 'unknown' : circuitState === 'CLOSED' ? 'up' : 'degraded';
    return {
      state,
      mode: status.mode,
      ...(status.mode === 'pgvector'
        ? { index: status.index, dimensions: status.dimensions }
        : status.mode === 'exact'
          ? { reason: status.reason }
          : {}),
      embeddings: this.embeddings.modelId,
      circuit_state: circuitState,
      fallback: 'keyword',
    };
  }
}
