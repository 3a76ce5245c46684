import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { StructuredToolInterface } from '@langchain/core/tools';
import type { BaseCheckpointSaver } from '@langchain/langgraph';
import { type AgentMiddleware, createAgent, humanInTheLoopMiddleware } from 'langchain';
import type { AgentCallHooks } from './agent-call-hooks';
import { type AgentSettings, DEFAULT_SYSTEM_PROMPT, resolveModelName } from './agent.settings';
import { callHooksMiddleware } from './middleware/call-hooks.middleware';
import { historyTrimMiddleware } from './middleware/history-trim.middleware';
import { loopLimitsMiddleware } from './middleware/loop-limits.middleware';
import { modelCallGuardMiddleware } from './middleware/model-call-guard.middleware';
import { toolErrorResultMiddleware } from './middleware/tool-error.middleware';

/** What {@link buildAgent} assembles. */
export interface AgentBuildOptions {
  settings: AgentSettings;
  model: BaseChatModel;
  tools: StructuredToolInterface[];
  /** The resilience seams; pass-through when absent. */
  hooks?: AgentCallHooks;
  /**
   * Tools whose calls wait for a person's decision, and where paused runs are kept. Without it no
   * call waits.
   */
  approvals?: { tools: readonly string[]; checkpointer: BaseCheckpointSaver };
}

/**
 * Builds the LangChain agent from middleware. Model calls go, outermost first, through the loop
 * limits, the hooks (resilience), the history trimming and the guard (timeout, typed errors,
 * usage); tool calls through the limits, the error handling (failures become error results) and
 * then the hooks. The model-call limit stops the loop with an error the runner reports as
 * `finish_reason: "length"`; calls over the tool-call limit answer an error result. With
 * `maxToolCalls` 0 no tool is offered at all. With `approvals`, LangChain's human-in-the-loop
 * middleware interrupts the run before any call of those tools, and the run's state is kept by
 * the checkpointer until a decision resumes it.
 */
export function buildAgent(options: AgentBuildOptions) {
  const { settings } = options;
  const toolsAllowed = settings.maxToolCalls > 0;
  const approvals = toolsAllowed ? options.approvals : undefined;
  return createAgent({
    model: options.model,
    tools: toolsAllowed ? options.tools : [],
    systemPrompt: settings.systemPrompt ?? DEFAULT_SYSTEM_PROMPT,
    checkpointer: approvals?.checkpointer,
    middleware: <AgentMiddleware[]>[
      ...(approvals && approvals.tools.length > 0
        ? [
            humanInTheLoopMiddleware({
              interruptOn: Object.fromEntries(
                approvals.tools.map((name) => [
                  name,
                  { allowedDecisions: ['approve', 'edit', 'reject'] as const },
                ]),
              ),
            }),
          ]
        : []),
      // First: a call over the limits reaches no other middleware.
      loopLimitsMiddleware({
        maxModelCalls: settings.maxModelCalls,
        maxToolCalls: settings.maxToolCalls,
      }),
      toolErrorResultMiddleware(),
      callHooksMiddleware(options.hooks ?? {}, {
        provider: settings.provider,
        model: resolveModelName(settings),
      }),
      historyTrimMiddleware({ maxTokens: settings.maxHistoryTokens }),
      modelCallGuardMiddleware({ timeoutMs: settings.timeoutMs }),
    ],
  });
}

/** The agent {@link buildAgent} returns. */
export type Agent = ReturnType<typeof buildAgent>;
