import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { StructuredToolInterface } from '@langchain/core/tools';
import { createAgent, modelCallLimitMiddleware, toolCallLimitMiddleware } from 'langchain';
import type { AgentCallHooks } from './agent-call-hooks';
import { type AgentSettings, DEFAULT_SYSTEM_PROMPT, resolveModelName } from './agent.settings';
import { callHooksMiddleware } from './middleware/call-hooks.middleware';
import { historyTrimMiddleware } from './middleware/history-trim.middleware';
import { modelCallGuardMiddleware } from './middleware/model-call-guard.middleware';
import { toolErrorResultMiddleware } from './middleware/tool-error.middleware';

/** What {@link buildAgent} assembles. */
export interface AgentBuildOptions {
  settings: AgentSettings;
  model: BaseChatModel;
  tools: StructuredToolInterface[];
  /** The resilience seams; pass-through when absent. */
  hooks?: AgentCallHooks;
}

/**
 * Builds the LangChain agent from middleware. Model calls go, outermost first, through the hooks
 * (resilience), the history trimming and the guard (timeout, typed errors, usage); tool calls
 * through the error handling (failures become error results) and then the hooks. The model-call
 * limit stops the loop with an error the runner reports as `finish_reason: "length"`; the
 * tool-call limit answers blocked calls with an error result and ends the loop. With
 * `maxToolCalls` 0 no tool is offered at all.
 */
export function buildAgent(options: AgentBuildOptions) {
  const { settings } = options;
  const toolsAllowed = settings.maxToolCalls > 0;
  return createAgent({
    model: options.model,
    tools: toolsAllowed ? options.tools : [],
    systemPrompt: settings.systemPrompt ?? DEFAULT_SYSTEM_PROMPT,
    middleware: [
      toolErrorResultMiddleware(),
      callHooksMiddleware(options.hooks ?? {}, {
        provider: settings.provider,
        model: resolveModelName(settings),
      }),
      historyTrimMiddleware({ maxTokens: settings.maxHistoryTokens }),
      modelCallGuardMiddleware({ timeoutMs: settings.timeoutMs }),
      modelCallLimitMiddleware({ runLimit: settings.maxModelCalls, exitBehavior: 'error' }),
      ...(toolsAllowed
        ? [toolCallLimitMiddleware({ runLimit: settings.maxToolCalls, exitBehavior: 'continue' })]
        : []),
    ],
  });
}

/** The agent {@link buildAgent} returns. */
export type Agent = ReturnType<typeof buildAgent>;
