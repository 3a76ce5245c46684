import type { KnowledgeSearchHit } from '../../agent';
import { CircuitBreakerRegistry } from '../../resilience';
import { LocalHashEmbeddings } from '../embeddings/local-hash.embeddings';
import type { KeywordSearcher } from './keyword.searcher';
import { KnowledgeSearchService } from './knowledge-search.service';
import { VectorSearcher } from './vector-searcher';

const hit = (title: string): KnowledgeSearchHit => ({
  document_id: '00000000-0000-4000-8000-000000000001',
  title,
  content: `${title} passage`,
  score: 0.5,
});

class FakeVectorSearcher extends VectorSearcher {
  readonly search = jest.fn<Promise<KnowledgeSearchHit[]>, [number[], number, AbortSignal]>();
}

describe('KnowledgeSearchService', () => {
  let breakers: CircuitBreakerRegistry;
  let vectors: FakeVectorSearcher;
  let keywords: { search: jest.Mock<Promise<KnowledgeSearchHit[]>, [string, number]> };
  let service: KnowledgeSearchService;

  beforeEach(() => {
    breakers = new CircuitBreakerRegistry({
      breakers: { vector_search: { callTimeoutMs: 50, failureThreshold: 2 } },
    });
    vectors = new FakeVectorSearcher();
    keywords = { search: jest.fn().mockResolvedValue([hit('keyword')]) };
    service = new KnowledgeSearchService(
      breakers,
      { embeddings: new LocalHashEmbeddings(16), modelId: 'local:test' },
      vectors,
      keywords as unknown as KeywordSearcher,
    );
  });

  it('answers with vector search, embedding the query', async () => {
    vectors.search.mockResolvedValue([hit('vector')]);
    await expect(service.find('refunds', 3)).resolves.toEqual({
      strategy: 'vector',
      results: [hit('vector')],
    });
    const [embedding, k, signal] = vectors.search.mock.calls[0];
    expect(embedding).toEqual(new LocalHashEmbeddings(16).embed('refunds'));
    expect(k).toBe(3);
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(keywords.search).not.toHaveBeenCalled();
  });

  it('falls back to keyword search when vector search fails', async () => {
    vectors.search.mockRejectedValue(new Error('connection reset'));
    await expect(service.find('refunds', 3)).resolves.toEqual({
      strategy: 'keyword_fallback',
      results: [hit('keyword')],
    });
    expect(keywords.search).toHaveBeenCalledWith('refunds', 3);
  });

  it('falls back when vector search outlives the breaker timeout, aborting it', async () => {
    let aborted = false;
    vectors.search.mockImplementation(
      (_embedding, _k, signal) =>
        new Promise(() => signal.addEventListener('abort', () => (aborted = true))),
    );
    const result = await service.find('refunds', 3);
    expect(result.strategy).toBe('keyword_fallback');
    expect(aborted).toBe(true);
    expect(breakers.get('vector_search').snapshot().metrics.timeouts).toBe(1);
  });

  it('falls back without calling vector search while the breaker is open', async () => {
    vectors.search.mockRejectedValue(new Error('down'));
    await service.find('a', 1);
    await service.find('b', 1);
    expect(breakers.get('vector_search').state).toBe('OPEN');
    vectors.search.mockClear();
    await expect(service.find('c', 1)).resolves.toMatchObject({ strategy: 'keyword_fallback' });
    expect(vectors.search).not.toHaveBeenCalled();
  });

  it('falls back when the embedding provider fails', async () => {
    const failing = new LocalHashEmbeddings(16);
    jest.spyOn(failing, 'embedQuery').mockRejectedValue(new Error('provider down'));
    const withFailingEmbeddings = new KnowledgeSearchService(
      breakers,
      { embeddings: failing, modelId: 'local:test' },
      vectors,
      keywords as unknown as KeywordSearcher,
    );
    await expect(withFailingEmbeddings.find('refunds', 3)).resolves.toMatchObject({
      strategy: 'keyword_fallback',
    });
    expect(vectors.search).not.toHaveBeenCalled();
  });

  it("stops on the caller's cancellation instead of falling back", async () => {
    vectors.search.mockImplementation(() => new Promise(() => undefined));
    const controller = new AbortController();
    const pending = service.find('refunds', 3, controller.signal);
    controller.abort(new Error('run cancelled'));
    await expect(pending).rejects.toThrow('run cancelled');
    expect(keywords.search).not.toHaveBeenCalled();
  });

  it('gives the agent the passages only', async () => {
    vectors.search.mockResolvedValue([hit('vector')]);
    await expect(service.search('refunds', 2)).resolves.toEqual([hit('vector')]);
  });
});
