import { readLlmConfig, type LlmConfig } from '../config/llm.config';

/** One chat model provider (`LLM_PROVIDER`); `local` is the offline development and test model. */
export type AgentProvider = LlmConfig['provider'];

/**
 * Everything the agent core can be configured with. The field names match the `llm` config
 * namespace (`src/config/llm.config.ts`), so that namespace can be passed in as it is.
 */
export interface AgentSettings {
  /** Which chat model to use. */
  provider: AgentProvider;
  /** Model name; each provider has a default (see {@link DEFAULT_MODELS}). */
  model?: string;
  /** Base URL of an OpenAI-compatible Chat Completions API (vLLM, Ollama, LM Studio, llama.cpp). */
  openaiBaseUrl?: string;
  openaiApiKey?: string;
  anthropicApiKey?: string;
  /** Base URL of the Anthropic API (a proxy or gateway); the SDK's default otherwise. */
  anthropicBaseUrl?: string;
  ollamaBaseUrl?: string;
  /** Budget of one model call (LLM_TIMEOUT_MS), streaming included. */
  timeoutMs: number;
  /** Tokens of history (system prompt included) sent with each model call. */
  maxHistoryTokens: number;
  /** Model calls allowed in one run (one user turn). */
  maxModelCalls: number;
  /** Tool calls allowed in one run; 0 forbids tools. */
  maxToolCalls: number;
  /** Delay between the words the local model streams. */
  localTokenDelayMs: number;
  /** System prompt of every conversation; {@link DEFAULT_SYSTEM_PROMPT} when absent. */
  systemPrompt?: string;
  /** Tools whose calls wait for a person's approval (`TOOLS_REQUIRE_APPROVAL`). */
  approvalTools?: readonly string[];
}

/** The model each provider uses when `model` is not set. */
export const DEFAULT_MODELS: Record<AgentProvider, string> = {
  local: 'local-echo',
  openai: 'gpt-4o-mini',
  anthropic: 'claude-3-5-haiku-latest',
  ollama: 'llama3.2',
};

/** The system prompt used when the settings give none. */
export const DEFAULT_SYSTEM_PROMPT =
  'You are a helpful assistant. Use the tools you are given whenever they help you answer ' +
  'accurately (arithmetic, dates and times, searching documents), and answer concisely.';

const { provider, timeoutMs, maxHistoryTokens, maxModelCalls, maxToolCalls, localTokenDelayMs } =
  readLlmConfig({});

/** The `LLM_*` defaults of the config schema, for an agent built on its own (tests, benchmarks). */
export const DEFAULT_AGENT_SETTINGS: Readonly<AgentSettings> = Object.freeze({
  provider,
  timeoutMs,
  maxHistoryTokens,
  maxModelCalls,
  maxToolCalls,
  localTokenDelayMs,
});

/**
 * Fills in the defaults where `input` leaves a field unset or undefined. The app passes the `llm`
 * namespace, which the config schema has validated.
 */
export function resolveAgentSettings(input: Partial<AgentSettings> = {}): AgentSettings {
  const defined = Object.fromEntries(
    Object.entries(input).filter(([, value]) => value !== undefined),
  ) as Partial<AgentSettings>;
  return { ...DEFAULT_AGENT_SETTINGS, ...defined };
}

/** The model name the settings resolve to. */
export function resolveModelName(settings: Pick<AgentSettings, 'provider' | 'model'>): string {
  return settings.model ?? DEFAULT_MODELS[settings.provider];
}
