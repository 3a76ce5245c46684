import { HealthContributorRegistry } from '../../health';
import { CircuitBreakerRegistry } from '../../resilience';
import { LocalHashEmbeddings } from '../embeddings/local-hash.embeddings';
import type { VectorIndexService, VectorIndexStatus } from './vector-index.service';
import { VectorSearchHealthContributor } from './vector-search.health';

describe('VectorSearchHealthContributor', () => {
  let status: VectorIndexStatus;
  let registry: HealthContributorRegistry;
  let breakers: CircuitBreakerRegistry;
  let contributor: VectorSearchHealthContributor;

  beforeEach(() => {
    status = { mode: 'detecting' };
    registry = new HealthContributorRegistry();
    breakers = new CircuitBreakerRegistry();
    contributor = new VectorSearchHealthContributor(
      registry,
      { current: () => status } as VectorIndexService,
      breakers,
      { embeddings: new LocalHashEmbeddings(16), modelId: 'local:local-hash-v1' },
    );
  });

  const check = () => {
    const entry = registry.list().find((c) => c.key === 'vector_search');
    return entry?.check();
  };

  it('reports vector_search while the module lives, and nothing after', async () => {
    expect(await check()).toBeUndefined();
    contributor.onModuleInit();
    expect(await check()).toMatchObject({ state: 'unknown', mode: 'detecting' });
    contributor.onModuleDestroy();
    expect(await check()).toBeUndefined();
  });

  it('reports the exact mode with its reason, or the pgvector index', () => {
    status = { mode: 'exact', reason: 'no extension' };
    expect(contributor.report()).toEqual({
      state: 'up',
      mode: 'exact',
      reason: 'no extension',
      embeddings: 'local:local-hash-v1',
      circuit_state: 'CLOSED',
      fallback: 'keyword',
    });
    status = { mode: 'pgvector', dimensions: 384, index: 'idx' };
    expect(contributor.report()).toMatchObject({
      state: 'up',
      mode: 'pgvector',
      index: 'idx',
      dimensions: 384,
    });
  });

  it('is degraded while the breaker is open (searches are answered by keyword search)', () => {
    status = { mode: 'exact', reason: 'x' };
    breakers.isolate('vector_search');
    expect(contributor.report()).toMatchObject({ state: 'degraded', circuit_state: 'OPEN' });
  });
});
