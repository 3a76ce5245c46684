import request from 'supertest';
import { VectorSearcher } from '../src/knowledge';
import { CircuitBreakerRegistry } from '../src/resilience';
import { CORPUS, uploadCorpus, type CorpusKey } from './support/knowledge-corpus';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

interface StoredMessage {
  role: string;
  content: string;
  tool_name?: string;
  tool_call_id?: string;
  tool_calls?: Array<{ id: string; name: string; args: Record<string, unknown> }>;
}

describe('The agent searches the knowledge base (e2e)', () => {
  let t: TestApp;
  let auth: string;
  let ids: Record<CorpusKey, string>;

  beforeAll(async () => {
    t = await startTestApp({ LOCAL_MODEL_TOKEN_DELAY_MS: '0' });
    auth = `Bearer ${await tokenFor('asker')}`;
    ids = await uploadCorpus(t, `Bearer ${await tokenFor('curator', { roles: ['admin'] })}`);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    t.app.get(CircuitBreakerRegistry).reset('vector_search');
  });
  afterAll(() => t.close());

  /** Sends one message in a new conversation; returns what the conversation then holds. */
  const ask = async (content: string): Promise<StoredMessage[]> => {
    const id = (
      await request(t.server).post('/api/v1/conversations').set('Authorization', auth).send({})
    ).body.id as string;
    await request(t.server)
      .post(`/api/v1/conversations/${id}/messages`)
      .set('Authorization', auth)
      .send({ content })
      .expect(201);
    const res = await request(t.server)
      .get(`/api/v1/conversations/${id}/messages?limit=100`)
      .set('Authorization', auth)
      .expect(200);
    return res.body.items as StoredMessage[];
  };

  /** The stored tool call and its result, the result's JSON parsed. */
  const toolExchange = (messages: StoredMessage[]) => {
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    const call = messages[1].tool_calls?.[0];
    const result = messages[2];
    expect(call?.name).toBe('search_knowledge_base');
    expect(result).toMatchObject({ tool_name: 'search_knowledge_base', tool_call_id: call?.id });
    const parsed = JSON.parse(result.content) as {
      results: Array<{ document_id: string; title: string; content: string; score: number }>;
    };
    return { call, results: parsed.results };
  };

  it('calls search_knowledge_base and stores the passages it found as the tool message', async () => {
    const messages = await ask('search the knowledge base for photosynthesis in green plants');
    const { call, results } = toolExchange(messages);
    expect(call?.args).toEqual({ query: 'photosynthesis in green plants' });
    expect(results[0]).toEqual({
      document_id: ids.photosynthesis,
      title: CORPUS.photosynthesis.title,
      content: CORPUS.photosynthesis.content,
      score: expect.any(Number),
    });
    expect(messages[2].content).toContain('Chlorophyll in the chloroplasts absorbs the light.');
    expect(messages[3].content.length).toBeGreaterThan(0);
  });

  it('still finds the passage through the keyword fallback when vector search fails', async () => {
    const failing = jest
      .spyOn(t.app.get(VectorSearcher), 'search')
      .mockRejectedValue(new Error('injected vector search failure'));
    const messages = await ask('search the knowledge base for password reset');
    expect(failing).toHaveBeenCalled();
    const { results } = toolExchange(messages);
    expect(results[0]).toMatchObject({ document_id: ids.passwords, title: 'Password reset' });
    expect(messages[2].content).toContain('We email a');
  });
});
