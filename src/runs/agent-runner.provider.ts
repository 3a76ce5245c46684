import type { Provider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AgentRunner, type KnowledgeSearchPort } from '../agent';
import { llmConfig, type LlmConfig } from '../config';
import { KNOWLEDGE_SEARCH } from '../knowledge';
import { ResilientAgentHooks } from './resilient-agent-hooks';
import { createRunCheckpoints } from './run-checkpoints';

/**
 * The one AgentRunner of the process, built from `LLM_*` settings. The agent graph is compiled
 * once here and shared by every run. With the knowledge module loaded, the agent gets the
 * `search_knowledge_base` tool, backed by the same search as `GET /knowledge/search`. With tools
 * that need approval (`TOOLS_REQUIRE_APPROVAL`), paused runs keep their state in PostgreSQL.
 */
export const agentRunnerProvider: Provider = {
  provide: AgentRunner,
  inject: [
    llmConfig.KEY,
    ResilientAgentHooks,
    getDataSourceToken(),
    { token: KNOWLEDGE_SEARCH, optional: true },
  ],
  useFactory: async (
    config: LlmConfig,
    hooks: ResilientAgentHooks,
    dataSource: DataSource,
    knowledge: KnowledgeSearchPort | undefined,
  ) => {
    const checkpointer =
      config.approvalTools.length > 0 ? await createRunCheckpoints(dataSource) : undefined;
    return new AgentRunner(config, { hooks, knowledge, checkpointer });
  },
};
