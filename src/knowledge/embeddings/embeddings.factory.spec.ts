import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KnowledgeConfig } from '../../config';
import { createEmbeddings } from './embeddings.factory';
import { LocalHashEmbeddings } from './local-hash.embeddings';

/** A knowledge config with the embedding settings given. */
function config(embeddings: Partial<KnowledgeConfig['embeddings']>): KnowledgeConfig {
  return {
    embeddings: {
      provider: 'local',
      model: 'local-hash-v1',
      dimensions: 384,
      timeoutMs: 5000,
      ...embeddings,
    },
    chunkSize: 1000,
    chunkOverlap: 200,
    maxDocumentBytes: 1024,
    vectorIndex: 'auto',
  };
}

interface Received {
  path: string;
  body: Record<string, unknown>;
  authorization?: string;
}

/** A local HTTP server answering every POST with `answer(body)` as JSON, recording requests. */
async function fakeServer(answer: (body: Record<string, unknown>) => unknown) {
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      received.push({ path: req.url ?? '', body, authorization: req.headers.authorization });
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(answer(body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The vector the fake servers give text number `i`. */
const vectorFor = (i: number) => [i + 1, 0.5, -0.25];

/** OpenAI's answer, as floats or base64 little-endian float32 (the client's default). */
function openAiAnswer(body: Record<string, unknown>) {
  const inputs = body.input as string[];
  return {
    object: 'list',
    model: body.model,
    data: inputs.map((_, index) => ({
      object: 'embedding',
      index,
      embedding:
        body.encoding_format === 'base64'
          ? Buffer.from(new Float32Array(vectorFor(index)).buffer).toString('base64')
          : vectorFor(index),
    })),
    usage: { prompt_tokens: 1, total_tokens: 1 },
  };
}

describe('createEmbeddings', () => {
  const llm = { openaiApiKey: undefined, openaiBaseUrl: undefined, ollamaBaseUrl: undefined };

  it('builds the local development embedding by default, named by provider and model', () => {
    const { embeddings, modelId } = createEmbeddings(config({ dimensions: 128 }), llm);
    expect(embeddings).toBeInstanceOf(LocalHashEmbeddings);
    expect((embeddings as LocalHashEmbeddings).dimensions).toBe(128);
    expect(modelId).toBe('local:local-hash-v1');
  });

  it('calls an OpenAI-compatible server at OPENAI_BASE_URL with the model and dimensions', async () => {
    const server = await fakeServer(openAiAnswer);
    try {
      const { embeddings, modelId } = createEmbeddings(
        config({ provider: 'openai', model: 'text-embedding-3-small', dimensions: 3 }),
        { ...llm, openaiBaseUrl: `${server.url}/v1`, openaiApiKey: 'sk-test' },
      );
      expect(modelId).toBe('openai:text-embedding-3-small');
      const vectors = await embeddings.embedDocuments(['first', 'second']);
      expect(vectors).toEqual([vectorFor(0), vectorFor(1)]);
      expect(server.received).toHaveLength(1);
      expect(server.received[0]).toMatchObject({
        path: '/v1/embeddings',
        body: { model: 'text-embedding-3-small', input: ['first', 'second'], dimensions: 3 },
        authorization: 'Bearer sk-test',
      });
    } finally {
      await server.close();
    }
  });

  it('calls Ollama at OLLAMA_BASE_URL', async () => {
    const server = await fakeServer((body) => ({
      model: body.model,
      embeddings: (body.input as string[]).map((_, i) => vectorFor(i)),
    }));
    try {
      const { embeddings, modelId } = createEmbeddings(
        config({ provider: 'ollama', model: 'nomic-embed-text', dimensions: undefined }),
        { ...llm, ollamaBaseUrl: server.url },
      );
      expect(modelId).toBe('ollama:nomic-embed-text');
      expect(await embeddings.embedQuery('hello')).toEqual(vectorFor(0));
      expect(server.received[0]).toMatchObject({
        path: '/api/embed',
        body: { model: 'nomic-embed-text', input: ['hello'] },
      });
    } finally {
      await server.close();
    }
  });

  it('gives up on an Ollama server that does not answer within EMBEDDINGS_TIMEOUT_MS', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const { embeddings } = createEmbeddings(
        config({ provider: 'ollama', model: 'm', timeoutMs: 200 }),
        { ...llm, ollamaBaseUrl: `http://127.0.0.1:${port}` },
      );
      const started = Date.now();
      await expect(embeddings.embedQuery('hello')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
