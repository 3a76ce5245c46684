import { knowledgeConfig } from './knowledge.config';
import { ConfigValidationError, validateEnvironment } from './validate-environment';

describe('knowledge config', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('defaults to the offline local embedding with 384 dimensions', () => {
    process.env = {};
    expect(knowledgeConfig()).toEqual({
      embeddings: { provider: 'local', model: 'local-hash-v1', dimensions: 384, timeoutMs: 30000 },
      chunkSize: 1000,
      chunkOverlap: 200,
      maxDocumentBytes: 1048576,
      vectorIndex: 'auto',
    });
  });

  it("takes each remote provider's default model, and its own length unless set", () => {
    process.env = { EMBEDDINGS_PROVIDER: 'openai' };
    expect(knowledgeConfig().embeddings).toMatchObject({
      model: 'text-embedding-3-small',
      dimensions: undefined,
    });
    process.env = { EMBEDDINGS_PROVIDER: 'ollama', EMBEDDINGS_DIMENSIONS: '768' };
    expect(knowledgeConfig().embeddings).toMatchObject({
      model: 'nomic-embed-text',
      dimensions: 768,
    });
    process.env = { EMBEDDINGS_MODEL: 'my-model', EMBEDDINGS_DIMENSIONS: '64' };
    expect(knowledgeConfig().embeddings).toMatchObject({ model: 'my-model', dimensions: 64 });
  });

  it.each([
    [
      { EMBEDDINGS_PROVIDER: 'cohere' },
      'EMBEDDINGS_PROVIDER: must be one of local, openai, ollama',
    ],
    [{ KNOWLEDGE_VECTOR_INDEX: 'ivfflat' }, 'KNOWLEDGE_VECTOR_INDEX: must be one of auto, exact'],
    [{ MAX_DOCUMENT_BYTES: '0' }, 'MAX_DOCUMENT_BYTES: must be an integer between 1'],
    [
      { KNOWLEDGE_CHUNK_SIZE: '300', KNOWLEDGE_CHUNK_OVERLAP: '300' },
      'KNOWLEDGE_CHUNK_OVERLAP: must be smaller than KNOWLEDGE_CHUNK_SIZE (300), got 300',
    ],
  ])('refuses %j at start, naming the variable', (env, message) => {
    let problems: string[] = [];
    try {
      validateEnvironment(env);
    } catch (error) {
      if (!(error instanceof ConfigValidationError)) throw error;
      problems = error.problems;
    }
    expect(problems).toEqual([expect.stringContaining(message)]);
  });
});
