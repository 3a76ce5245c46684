import { createServer, type Server } from 'node:http';
import type { LlmConfig } from '../config';
import { probeTarget } from './llm-provider.indicator';
import { LlmProviderProbe } from './llm-provider.probe';

describe('LlmProviderProbe', () => {
  let server: Server;
  let base: string;
  let status = 200;
  let delayMs = 0;
  let hits = 0;
  let lastAuthorization: string | undefined;

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits += 1;
      lastAuthorization = req.headers.authorization;
      setTimeout(() => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end('{"data":[]}');
      }, delayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    status = 200;
    delayMs = 0;
    hits = 0;
  });

  it('reports a 2xx as up, with the status and the latency', async () => {
    const result = await new LlmProviderProbe({ url: `${base}/v1/models` }, 1000, 0).current();
    expect(result).toMatchObject({
      state: 'up',
      http_status: 200,
      endpoint: `${base}/v1/models`,
      latency_ms: expect.any(Number),
      cached: false,
    });
  });

  it.each([
    [401, 'down', /credentials/],
    [403, 'down', /credentials/],
    [429, 'degraded', /rate limiting/],
    [500, 'down', /answered 500/],
    [404, 'degraded', /answered 404/],
  ])('reports %s as %s', async (code, state, message) => {
    status = code;
    const result = await new LlmProviderProbe({ url: `${base}/models` }, 1000, 0).current();
    expect(result).toMatchObject({
      state,
      http_status: code,
      message: expect.stringMatching(message),
    });
  });

  it('reports a slow provider as down after its timeout', async () => {
    delayMs = 300;
    const result = await new LlmProviderProbe({ url: `${base}/models` }, 50, 0).current();
    expect(result).toMatchObject({ state: 'down', message: 'No answer within 50 ms' });
  });

  it('reuses a result for cacheMs and shares one request between concurrent callers', async () => {
    let now = 1_000;
    const probe = new LlmProviderProbe({ url: `${base}/models` }, 1000, 10_000, () => now);
    const [a, b] = await Promise.all([probe.current(), probe.current()]);
    expect(hits).toBe(1);
    expect([a.cached, b.cached]).toEqual([false, false]);
    expect((await probe.current()).cached).toBe(true);
    now += 10_001;
    expect((await probe.current()).cached).toBe(false);
    expect(hits).toBe(2);
  });

  it('sends the API key', async () => {
    await new LlmProviderProbe(
      { url: `${base}/models`, headers: { Authorization: 'Bearer sk-1' } },
      1000,
      0,
    ).current();
    expect(lastAuthorization).toBe('Bearer sk-1');
  });

  it('sends credentials in the URL as Basic auth, and never reports them', async () => {
    const url = new URL(`${base}/models`);
    url.username = 'user';
    url.password = 'secret';
    const result = await new LlmProviderProbe({ url: url.toString() }, 1000, 0).current();
    expect(result).toMatchObject({ state: 'up', endpoint: `${base}/models` });
    expect(lastAuthorization).toBe(`Basic ${Buffer.from('user:secret').toString('base64')}`);
  });

  it('reports a refused connection as unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await new LlmProviderProbe(
      { url: `http://127.0.0.1:${port}/models` },
      1000,
      0,
    ).current();
    expect(result).toMatchObject({ state: 'down', message: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('answers the fixed result when there is nothing to call', async () => {
    const result = await new LlmProviderProbe(
      { result: { state: 'up', message: 'offline' } },
      1000,
      0,
    ).current();
    expect(result).toMatchObject({
      state: 'up',
      message: 'offline',
      checked_at: expect.any(String),
    });
    expect(hits).toBe(0);
  });
});

describe('probeTarget', () => {
  const config = (overrides: Partial<LlmConfig>): LlmConfig =>
    ({ provider: 'local', ...overrides }) as LlmConfig;

  it('calls nothing for the local model', () => {
    expect(probeTarget(config({ provider: 'local' }))).toEqual({
      result: expect.objectContaining({ state: 'up' }),
    });
  });

  it('lists models of OpenAI (or the configured compatible server) with the key', () => {
    expect(probeTarget(config({ provider: 'openai' }))).toEqual({
      url: 'https://api.openai.com/v1/models',
      headers: {},
    });
    expect(
      probeTarget(
        config({ provider: 'openai', openaiBaseUrl: 'http://vllm:8000/v1/', openaiApiKey: 'k' }),
      ),
    ).toEqual({ url: 'http://vllm:8000/v1/models', headers: { Authorization: 'Bearer k' } });
  });

  it('lists the tags of Ollama', () => {
    expect(probeTarget(config({ provider: 'ollama' })).url).toBe('http://127.0.0.1:11434/api/tags');
    expect(probeTarget(config({ provider: 'ollama', ollamaBaseUrl: 'http://gpu:11434' })).url).toBe(
      'http://gpu:11434/api/tags',
    );
  });

  it('reports Anthropic as unknown, saying whether it is configured', () => {
    expect(probeTarget(config({ provider: 'anthropic', anthropicApiKey: 'k' })).result).toEqual(
      expect.objectContaining({ state: 'unknown', configured: true }),
    );
    expect(probeTarget(config({ provider: 'anthropic' })).result).toEqual(
      expect.objectContaining({ state: 'unknown', configured: false }),
    );
  });
});
