// The agent core's public API: import it as `src/agent`, never its files.
export type {
  AgentDecision,
  AgentEvent,
  AgentFinalEvent,
  AgentFinishReason,
  AgentHistoryMessage,
  AgentProducedMessage,
  AgentRunInput,
  AgentRunPartial,
  AgentRunResult,
  AgentToolCall,
  ApprovalRequiredEvent,
  AgentUsage,
  MessageChunkEvent,
  ToolCallEvent,
  ToolResultEvent,
} from './agent-run.types';
export type {
  AgentCallHooks,
  ModelCallInfo,
  ModelCallNext,
  ToolCallInfo,
  ToolCallNext,
  ToolCallOutcome,
} from './agent-call-hooks';
export {
  AgentCancelledError,
  AgentConfigurationError,
  AgentError,
  type AgentErrorCode,
  AgentModelError,
  AgentTimeoutError,
} from './agent.errors';
export { AgentRunner, type AgentRunnerDependencies } from './agent-runner';
export {
  type AgentProvider,
  type AgentSettings,
  DEFAULT_AGENT_SETTINGS,
  DEFAULT_SYSTEM_PROMPT,
  resolveAgentSettings,
} from './agent.settings';
export { createChatModel } from './models/chat-model.factory';
export { LocalChatModel, type LocalChatModelFields } from './models/local-chat-model';
export type { KnowledgeSearchHit, KnowledgeSearchPort } from './tools/knowledge-search.port';
export { TOOL_NAMES } from './tools/tool-names';
export { countTokens } from './tokenizer';
export { describeModel } from './model-description';
