import { describeModel } from './model-description';

describe('describeModel', () => {
  it('says the local model is offline and needs no key', () => {
    expect(describeModel({ provider: 'local' })).toMatch(/"local-echo".*no API key needed/);
  });

  it('says whether the OpenAI key is set, naming the server', () => {
    expect(describeModel({ provider: 'openai', openaiApiKey: 'sk-x' })).toBe(
      'Model: "gpt-4o-mini" at OpenAI (OPENAI_API_KEY is set)',
    );
    expect(
      describeModel({ provider: 'openai', model: 'qwen', openaiBaseUrl: 'http://vllm:8000/v1' }),
    ).toMatch(/"qwen" at http:\/\/vllm:8000\/v1, without OPENAI_API_KEY/);
  });

  it('warns when Anthropic has no key, and never prints a key', () => {
    expect(describeModel({ provider: 'anthropic' })).toMatch(/ANTHROPIC_API_KEY is NOT set/);
    expect(describeModel({ provider: 'anthropic', anthropicApiKey: 'secret-key' })).not.toContain(
      'secret-key',
    );
  });
});
