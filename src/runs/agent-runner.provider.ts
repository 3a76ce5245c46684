import type { Provider } from '@nestjs/common';
import { AgentRunner } from '../agent';
import { llmConfig, type LlmConfig } from '../config';
import { ResilientAgentHooks } from './resilient-agent-hooks';

/**
 * The one AgentRunner of the process, built from `LLM_*` settings. The agent graph is compiled
 * once here and shared by every run.
 */
export const agentRunnerProvider: Provider = {
  provide: AgentRunner,
  inject: [llmConfig.KEY, ResilientAgentHooks],
  useFactory: (config: LlmConfig, hooks: ResilientAgentHooks) =>
    new AgentRunner(
      {
        provider: config.provider,
        model: config.model,
        openaiBaseUrl: config.openaiBaseUrl,
        openaiApiKey: config.openaiApiKey,
        anthropicApiKey: config.anthropicApiKey,
        ollamaBaseUrl: config.ollamaBaseUrl,
        timeoutMs: config.timeoutMs,
        maxHistoryTokens: config.maxHistoryTokens,
        maxModelCalls: config.maxModelCalls,
        maxToolCalls: config.maxToolCalls,
        localTokenDelayMs: config.localTokenDelayMs,
      },
      { hooks },
    ),
};
