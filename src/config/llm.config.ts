import { registerAs } from '@nestjs/config';
import { llmEnvSchema } from './env.schema';
import { parseEnv } from './validate-environment';

/**
 * The `llm` namespace read from `variables`; `readLlmConfig({})` gives every default, for code
 * that builds the agent on its own (tests, benchmarks).
 */
export function readLlmConfig(variables: Record<string, string | undefined>) {
  const env = parseEnv(llmEnvSchema, variables);
  return {
    provider: env.LLM_PROVIDER,
    model: env.LLM_MODEL,
    openaiBaseUrl: env.OPENAI_BASE_URL,
    openaiApiKey: env.OPENAI_API_KEY,
    anthropicApiKey: env.ANTHROPIC_API_KEY,
    ollamaBaseUrl: env.OLLAMA_BASE_URL,
    timeoutMs: env.LLM_TIMEOUT_MS,
    maxHistoryTokens: env.LLM_MAX_HISTORY_TOKENS,
    maxModelCalls: env.LLM_MAX_MODEL_CALLS,
    maxToolCalls: env.LLM_MAX_TOOL_CALLS,
    localTokenDelayMs: env.LOCAL_MODEL_TOKEN_DELAY_MS,
    responseCacheSize: env.LLM_RESPONSE_CACHE_SIZE,
    responseCacheTtlMs: env.LLM_RESPONSE_CACHE_TTL_MS,
    approvalTools: env.TOOLS_REQUIRE_APPROVAL,
    /** Name untitled conversations after their first answer (one more model call). */
    titles: env.LLM_TITLES,
  };
}

/** The chat model provider and the agent's limits. */
export const llmConfig = registerAs('llm', () => readLlmConfig(process.env));

/** The typed `llm` namespace. */
export type LlmConfig = ReturnType<typeof llmConfig>;
