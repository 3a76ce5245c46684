import { ChatAnthropic } from '@langchain/anthropic';
import { ChatOllama } from '@langchain/ollama';
import { ChatOpenAI } from '@langchain/openai';
import { AgentConfigurationError } from '../agent.errors';
import { type AgentSettings, resolveAgentSettings } from '../agent.settings';
import { countTokens } from '../tokenizer';
import { createChatModel } from './chat-model.factory';
import { LocalChatModel } from './local-chat-model';
import { AgentOpenAICompletions } from './agent-openai-completions';

function settings(overrides: Partial<AgentSettings>): AgentSettings {
  return resolveAgentSettings({ timeoutMs: 1234, ...overrides });
}

/** ChatOpenAI's Chat Completions delegate (a protected field). */
function completionsOf(model: ChatOpenAI): AgentOpenAICompletions {
  return (model as unknown as { completions: AgentOpenAICompletions }).completions;
}

/** The retry count of LangChain's AsyncCaller, which is what retries provider calls. */
function maxRetriesOf(model: object): unknown {
  return (model as { caller: { maxRetries: number } }).caller.maxRetries;
}

describe('createChatModel', () => {
  it('builds the local model by default, with the configured word delay', () => {
    const model = createChatModel(settings({ localTokenDelayMs: 7 }));
    expect(model).toBeInstanceOf(LocalChatModel);
    expect((model as LocalChatModel).tokenDelayMs).toBe(7);
  });

  it('builds ChatOpenAI on Chat Completions, streaming usage, without retries', () => {
    const model = createChatModel(
      settings({
        provider: 'openai',
        openaiApiKey: 'sk-test',
        openaiBaseUrl: 'http://127.0.0.1:9/v1',
      }),
    ) as ChatOpenAI;
    expect(model).toBeInstanceOf(ChatOpenAI);
    expect(model.model).toBe('gpt-4o-mini');
    expect(model.useResponsesApi).toBe(false);
    expect(model.streamUsage).toBe(true);
    expect(model.timeout).toBe(1234);
    expect(maxRetriesOf(model)).toBe(0);
    expect(completionsOf(model)).toBeInstanceOf(AgentOpenAICompletions);
    expect(maxRetriesOf(completionsOf(model))).toBe(0);
    expect(completionsOf(model).clientConfig).toMatchObject({
      apiKey: 'sk-test',
      baseURL: 'http://127.0.0.1:9/v1',
    });
  });

  it('lets an OpenAI-compatible server go without an API key', () => {
    const model = createChatModel(
      settings({ provider: 'openai', openaiBaseUrl: 'http://127.0.0.1:9/v1', model: 'qwen' }),
    ) as ChatOpenAI;
    expect(model.model).toBe('qwen');
    expect(model.apiKey).toBe('not-needed');
  });

  it('refuses OpenAI itself without an API key', () => {
    expect(() => createChatModel(settings({ provider: 'openai' }))).toThrow(
      AgentConfigurationError,
    );
  });

  it('counts OpenAI tokens offline, without fetching tiktoken ranks', async () => {
    const fetchSpy = jest.spyOn(globalThis, 'fetch');
    const model = createChatModel(
      settings({ provider: 'openai', openaiApiKey: 'k' }),
    ) as ChatOpenAI;
    await expect(completionsOf(model).getNumTokens('hello world')).resolves.toBe(2);
    await expect(
      completionsOf(model).getNumTokens([
        { type: 'text', text: 'The result is 84.' },
        { type: 'image_url', image_url: 'http://x' },
      ]),
    ).resolves.toBe(countTokens('The result is 84.'));
    expect(fetchSpy).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
  });

  it('builds ChatAnthropic without retries, with its timeout', () => {
    const model = createChatModel(
      settings({
        provider: 'anthropic',
        anthropicApiKey: 'a-key',
        anthropicBaseUrl: 'http://127.0.0.1:9',
      }),
    ) as ChatAnthropic;
    expect(model).toBeInstanceOf(ChatAnthropic);
    expect(model.model).toBe('claude-3-5-haiku-latest');
    expect(model.streamUsage).toBe(true);
    expect(model.clientOptions).toMatchObject({ timeout: 1234 });
    expect(model.apiUrl).toBe('http://127.0.0.1:9');
    expect(maxRetriesOf(model)).toBe(0);
  });

  it('refuses Anthropic without an API key', () => {
    expect(() => createChatModel(settings({ provider: 'anthropic' }))).toThrow(/anthropicApiKey/);
  });

  it('builds ChatOllama on the configured server, without retries', () => {
    const model = createChatModel(
      settings({ provider: 'ollama', ollamaBaseUrl: 'http://127.0.0.1:11434', model: 'qwen3' }),
    ) as ChatOllama;
    expect(model).toBeInstanceOf(ChatOllama);
    expect(model.model).toBe('qwen3');
    expect(model.baseUrl).toBe('http://127.0.0.1:11434');
    expect(maxRetriesOf(model)).toBe(0);
  });
});
