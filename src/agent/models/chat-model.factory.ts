import { ChatAnthropic } from '@langchain/anthropic';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ChatOllama } from '@langchain/ollama';
import { ChatOpenAI, type ChatOpenAIFields } from '@langchain/openai';
import { AgentConfigurationError } from '../agent.errors';
import { type AgentSettings, resolveModelName } from '../agent.settings';
import { LocalChatModel } from './local-chat-model';
import { AgentOpenAICompletions } from './agent-openai-completions';

/**
 * OpenAI-compatible servers (vLLM, Ollama, LM Studio, llama.cpp) ignore the key, but the OpenAI
 * client refuses to start without one.
 */
const PLACEHOLDER_API_KEY = 'not-needed';

/**
 * Builds the chat model the settings choose. Every provider is built with `maxRetries: 0`:
 * retrying is the resilience layer's job, and a model that retries by itself turns one failing
 * call into minutes. The per-call timeout is enforced around the call by the agent (see
 * `modelCallGuardMiddleware`); the providers' own timeouts are set too, as a backstop.
 *
 * @throws AgentConfigurationError when a provider lacks what it needs
 */
export function createChatModel(settings: AgentSettings): BaseChatModel {
  const model = resolveModelName(settings);
  switch (settings.provider) {
    case 'local':
      return new LocalChatModel({ tokenDelayMs: settings.localTokenDelayMs });
    case 'openai':
      return createOpenAIModel(settings, model);
    case 'anthropic':
      if (!settings.anthropicApiKey) {
        throw new AgentConfigurationError('anthropicApiKey is required for the anthropic provider');
      }
      return new ChatAnthropic({
        model,
        apiKey: settings.anthropicApiKey,
        anthropicApiUrl: settings.anthropicBaseUrl,
        maxRetries: 0,
        streamUsage: true,
        clientOptions: { timeout: settings.timeoutMs },
      });
    case 'ollama':
      return new ChatOllama({ model, baseUrl: settings.ollamaBaseUrl, maxRetries: 0 });
  }
}

/**
 * ChatOpenAI on the Chat Completions API (what OpenAI-compatible servers speak), with usage
 * reported in the stream (`stream_options.include_usage`) and the offline token counter.
 */
function createOpenAIModel(settings: AgentSettings, model: string): ChatOpenAI {
  if (!settings.openaiApiKey && !settings.openaiBaseUrl) {
    throw new AgentConfigurationError(
      'openaiApiKey is required for the openai provider unless openaiBaseUrl points to a ' +
        'compatible server',
    );
  }
  const fields: ChatOpenAIFields = {
    model,
    apiKey: settings.openaiApiKey ?? PLACEHOLDER_API_KEY,
    configuration: { baseURL: settings.openaiBaseUrl },
    useResponsesApi: false,
    streamUsage: true,
    maxRetries: 0,
    timeout: settings.timeoutMs,
  };
  return new ChatOpenAI({ ...fields, completions: new AgentOpenAICompletions(fields) });
}
