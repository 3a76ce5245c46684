import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { AgentCallHooks } from './agent-call-hooks';
import type { AgentEvent, AgentRunInput, AgentRunResult } from './agent-run.types';
import { type Agent, buildAgent } from './agent.builder';
import { AgentCancelledError, type AgentError } from './agent.errors';
import { type AgentSettings, resolveAgentSettings } from './agent.settings';
import { toAgentMessages } from './history.mapper';
import { findErrorNamed, toAgentModelError } from './model-error.classifier';
import { createChatModel } from './models/chat-model.factory';
import { RunEventMapper } from './run-event.mapper';
import { countTokens } from './tokenizer';
import { createAgentTools } from './tools/agent-tools';
import type { KnowledgeSearchPort } from './tools/knowledge-search.port';

/** What an {@link AgentRunner} depends on besides its settings. */
export interface AgentRunnerDependencies {
  /** Enables the `search_knowledge_base` tool. */
  knowledge?: KnowledgeSearchPort;
  /** The resilience seams around model and tool calls. */
  hooks?: AgentCallHooks;
  /** Replaces the model the settings choose (a custom provider, a test double). */
  model?: BaseChatModel;
  /** The clock of the `current_time` tool. */
  now?: () => Date;
}

/** Errors that mean the loop ran into its bounds rather than failed. */
const LOOP_LIMIT_ERRORS = ['ModelCallLimitMiddlewareError', 'GraphRecursionError'];

/**
 * Runs one turn of a conversation with the agent. A plain class: the agent (model, tools,
 * middleware) is built once in the constructor and shared by every run, so a Nest module can
 * provide it with a factory (`useFactory: (config) => new AgentRunner(config.llm, deps)`).
 */
export class AgentRunner {
  /** The settings in force, defaults filled in. */
  readonly settings: AgentSettings;
  private readonly agent: Agent;
  /**
   * LangGraph counts steps, about five per model call with this middleware; the model-call
   * limit must be what stops the loop, so the step limit sits well above it.
   */
  private readonly recursionLimit: number;

  /**
   * @param settings see {@link AgentSettings}; missing numbers take their defaults
   * @param deps the knowledge search, the hooks, and optional replacements
   * @throws AgentConfigurationError when the settings cannot build a model
   */
  constructor(settings: Partial<AgentSettings>, deps: AgentRunnerDependencies = {}) {
    this.settings = resolveAgentSettings(settings);
    this.agent = buildAgent({
      settings: this.settings,
      model: deps.model ?? createChatModel(this.settings),
      tools: createAgentTools({ knowledge: deps.knowledge, now: deps.now }),
      hooks: deps.hooks,
    });
    this.recursionLimit = 10 * (this.settings.maxModelCalls + 2);
    // Builds the tokenizer now (about a second) rather than during the first user's run.
    countTokens('warm up');
  }

  /**
   * Runs one turn: the history plus the new user message through the agent loop.
   *
   * Yields, in order, `message_chunk`s as the model streams, a `tool_call` per tool call (complete
   * arguments) and a `tool_result` per result, then one `final` event with the summary (also the
   * generator's return value). If the run is cancelled (`input.signal`), times out or fails, it
   * throws {@link AgentCancelledError}, `AgentTimeoutError` or `AgentModelError` after the events
   * produced so far, with what was produced in the error's `partial`. Stopping the iteration early
   * aborts the run.
   */
  async *run(input: AgentRunInput): AsyncGenerator<AgentEvent, AgentRunResult, undefined> {
    const messages = toAgentMessages(input.history, input.message);
    const mapper = new RunEventMapper(messages.length);
    // Aborted when the consumer stops iterating, so a dropped run stops calling the model.
    const stop = new AbortController();
    const signal = input.signal ? AbortSignal.any([input.signal, stop.signal]) : stop.signal;
    let result: AgentRunResult;
    try {
      if (input.signal?.aborted) throw new AgentCancelledError();
      const stream = await this.agent.stream(
        { messages },
        { streamMode: ['messages', 'values'], signal, recursionLimit: this.recursionLimit },
      );
      for await (const [mode, payload] of stream as AsyncIterable<[string, unknown]>) {
        const events =
          mode === 'messages' ? mapper.fromMessagesMode(payload) : mapper.fromValuesMode(payload);
        yield* events;
      }
      // LangGraph may end quietly on abort; a cancelled run must not look finished.
      if (input.signal?.aborted) throw new AgentCancelledError();
      result = mapper.result();
    } catch (error) {
      if (!input.signal?.aborted && LOOP_LIMIT_ERRORS.some((n) => findErrorNamed(error, n))) {
        result = mapper.result(true);
      } else {
        const failure = this.toRunError(error, input.signal);
        failure.partial = mapper.partial();
        throw failure;
      }
    } finally {
      stop.abort();
    }
    yield { type: 'final', ...result };
    return result;
  }

  private toRunError(error: unknown, signal: AbortSignal | undefined): AgentError {
    if (error instanceof AgentCancelledError) return error;
    if (signal?.aborted) return new AgentCancelledError(undefined, { cause: error });
    return toAgentModelError(error, this.settings.timeoutMs);
  }
}
