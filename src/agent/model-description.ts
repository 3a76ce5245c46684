import { type AgentSettings, resolveModelName } from './agent.settings';

type ModelSettings = Pick<
  AgentSettings,
  'provider' | 'model' | 'openaiBaseUrl' | 'openaiApiKey' | 'anthropicApiKey' | 'ollamaBaseUrl'
>;

/**
 * One line for the start-up log: which model answers, where, and whether it needs a key that is
 * missing, so a first start tells a newcomer what to set before the first message fails.
 */
export function describeModel(settings: ModelSettings): string {
  const model = resolveModelName(settings);
  switch (settings.provider) {
    case 'local':
      return (
        `Model: "${model}" (LLM_PROVIDER=local), the offline development model: no API key ` +
        'needed. Set LLM_PROVIDER for a real model.'
      );
    case 'openai': {
      const where = settings.openaiBaseUrl ?? 'OpenAI';
      if (settings.openaiApiKey) return `Model: "${model}" at ${where} (OPENAI_API_KEY is set)`;
      return `Model: "${model}" at ${where}, without OPENAI_API_KEY (fine for a server that needs no key)`;
    }
    case 'anthropic':
      return settings.anthropicApiKey
        ? `Model: "${model}" at Anthropic (ANTHROPIC_API_KEY is set)`
        : `Model: "${model}" at Anthropic: ANTHROPIC_API_KEY is NOT set, model calls will fail`;
    case 'ollama':
      return `Model: "${model}" at ${settings.ollamaBaseUrl ?? 'Ollama (http://127.0.0.1:11434)'}: no API key needed`;
  }
}
