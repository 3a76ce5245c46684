import type { Provider } from '@nestjs/common';
import { AgentRunner, type KnowledgeSearchPort } from '../agent';
import { llmConfig, type LlmConfig } from '../config';
import { KNOWLEDGE_SEARCH } from '../knowledge';
import { ResilientAgentHooks } from './resilient-agent-hooks';

/**
 * The one AgentRunner of the process, built from `LLM_*` settings. The agent graph is compiled
 * once here and shared by every run. With the knowledge module loaded, the agent gets the
 * `search_knowledge_base` tool, backed by the same search as `GET /knowledge/search`.
 */
export const agentRunnerProvider: Provider = {
  provide: AgentRunner,
  inject: [llmConfig.KEY, ResilientAgentHooks, { token: KNOWLEDGE_SEARCH, optional: true }],
  useFactory: (
    config: LlmConfig,
    hooks: ResilientAgentHooks,
    knowledge: KnowledgeSearchPort | undefined,
  ) => new AgentRunner(config, { hooks, knowledge }),
};
