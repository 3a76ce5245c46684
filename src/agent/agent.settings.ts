import { AgentConfigurationError } from './agent.errors';

/** The chat model providers the agent can talk to. */
export const AGENT_PROVIDERS = ['local', 'openai', 'anthropic', 'ollama'] as const;
/** One chat model provider; `local` is the offline development and test model. */
export type AgentProvider = (typeof AGENT_PROVIDERS)[number];

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

/** The defaults, the same as the environment's (`src/config/env.schema.ts`). */
export const DEFAULT_AGENT_SETTINGS: Readonly<AgentSettings> = Object.freeze({
  provider: 'local',
  timeoutMs: 60_000,
  maxHistoryTokens: 8000,
  maxModelCalls: 8,
  maxToolCalls: 16,
  localTokenDelayMs: 15,
});

const INTEGER_LIMITS = {
  timeoutMs: [1, 3_600_000],
  maxHistoryTokens: [1, 2_000_000],
  maxModelCalls: [1, 100],
  maxToolCalls: [0, 500],
  localTokenDelayMs: [0, 10_000],
} as const satisfies Partial<Record<keyof AgentSettings, readonly [number, number]>>;

/**
 * Fills in the defaults and checks the limits, so that a bad value fails at start rather than in
 * the middle of a run.
 *
 * @throws AgentConfigurationError naming the first bad field
 */
export function resolveAgentSettings(input: Partial<AgentSettings> = {}): AgentSettings {
  const defined = Object.fromEntries(
    Object.entries(input).filter(([, value]) => value !== undefined),
  ) as Partial<AgentSettings>;
  const settings: AgentSettings = { ...DEFAULT_AGENT_SETTINGS, ...defined };
  if (!AGENT_PROVIDERS.includes(settings.provider)) {
    throw new AgentConfigurationError(
      `provider must be one of ${AGENT_PROVIDERS.join(', ')}, got "${String(settings.provider)}"`,
    );
  }
  for (const [key, [min, max]] of Object.entries(INTEGER_LIMITS)) {
    const value = settings[key as keyof typeof INTEGER_LIMITS];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new AgentConfigurationError(
        `${key} must be an integer from ${min} to ${max}, got ${String(value)}`,
      );
    }
  }
  return settings;
}

/** The model name the settings resolve to. */
export function resolveModelName(settings: Pick<AgentSettings, 'provider' | 'model'>): string {
  return settings.model ?? DEFAULT_MODELS[settings.provider];
}
