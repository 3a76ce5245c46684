import type { Embeddings } from '@langchain/core/embeddings';
import { OllamaEmbeddings } from '@langchain/ollama';
import { OpenAIEmbeddings } from '@langchain/openai';
import type { KnowledgeConfig, LlmConfig } from '../../config';
import { LocalHashEmbeddings } from './local-hash.embeddings';

/**
 * OpenAI-compatible servers (vLLM, Ollama, LM Studio, llama.cpp) ignore the key, but the OpenAI
 * client refuses to start without one.
 */
const PLACEHOLDER_API_KEY = 'not-needed';

/** The LangChain embeddings the knowledge base uses, and how to name them. */
export interface KnowledgeEmbeddings {
  embeddings: Embeddings;
  /** `provider:model`, stored with each document so stale vectors can be found after a change. */
  modelId: string;
}

/**
 * Builds the embeddings `EMBEDDINGS_PROVIDER` chooses. Remote providers get `maxRetries: 0`, as the
 * chat models do: a search has a two-second budget (the `vector_search` breaker) and falls back to
 * keyword search on failure, so retrying inside it would only waste the budget; an upload that
 * fails is answered 503 and can be sent again.
 */
export function createEmbeddings(
  knowledge: KnowledgeConfig,
  llm: Pick<LlmConfig, 'openaiApiKey' | 'openaiBaseUrl' | 'ollamaBaseUrl'>,
): KnowledgeEmbeddings {
  const { provider, model, dimensions, timeoutMs } = knowledge.embeddings;
  const modelId = `${provider}:${model}`;
  switch (provider) {
    case 'local':
      return { embeddings: new LocalHashEmbeddings(dimensions), modelId };
    case 'openai':
      return {
        embeddings: new OpenAIEmbeddings({
          model,
          dimensions,
          apiKey: llm.openaiApiKey ?? PLACEHOLDER_API_KEY,
          configuration: { baseURL: llm.openaiBaseUrl },
          timeout: timeoutMs,
          maxRetries: 0,
        }),
        modelId,
      };
    case 'ollama':
      return {
        embeddings: new OllamaEmbeddings({
          model,
          baseUrl: llm.ollamaBaseUrl,
          dimensions,
          maxRetries: 0,
          // The Ollama client has no timeout of its own.
          fetch: (input, init) =>
            fetch(input, { ...init, signal: withTimeout(init?.signal, timeoutMs) }),
        }),
        modelId,
      };
  }
}

function withTimeout(signal: AbortSignal | null | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}
