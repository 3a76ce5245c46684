import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { type BaseCheckpointSaver, Command } from '@langchain/langgraph';
import type { AgentCallHooks } from './agent-call-hooks';
import type {
  AgentDecision,
  AgentEvent,
  AgentResumeInput,
  AgentRunInput,
  AgentRunResult,
} from './agent-run.types';
import { type Agent, buildAgent } from './agent.builder';
import { AgentCancelledError, type AgentError } from './agent.errors';
import { DeferredCheckpointSaver } from './deferred-checkpoint-saver';
import { type AgentSettings, resolveAgentSettings } from './agent.settings';
import { toAgentMessages } from './history.mapper';
import { findErrorNamed, toAgentModelError } from './model-error.classifier';
import { createChatModel } from './models/chat-model.factory';
import { RunEventMapper } from './run-event.mapper';
import { countTokens } from './tokenizer';
import { createAgentTools } from './tools/agent-tools';
import { generateTitle } from './title';
import type { KnowledgeSearchPort } from './tools/knowledge-search.port';
import { skipRunTreesWhenUntraced } from './untraced-runnables';

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
  /**
   * Where runs paused for approval are kept (a PostgreSQL checkpointer in the app). Without it, no
   * tool call waits for approval, whatever `approvalTools` says.
   */
  checkpointer?: BaseCheckpointSaver;
}

/** Errors that mean the loop ran into its bounds rather than failed. */
const LOOP_LIMIT_ERRORS = ['LoopLimitError', 'GraphRecursionError'];

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
  /** Keeps a run's state in the app's checkpointer only when the run pauses. */
  private readonly checkpointer?: DeferredCheckpointSaver;
  private readonly model: BaseChatModel;

  /**
   * @param settings see {@link AgentSettings}; missing numbers take their defaults
   * @param deps the knowledge search, the hooks, and optional replacements
   * @throws AgentConfigurationError when the settings cannot build a model
   */
  constructor(settings: Partial<AgentSettings>, deps: AgentRunnerDependencies = {}) {
    skipRunTreesWhenUntraced();
    this.settings = resolveAgentSettings(settings);
    const approvalTools = this.settings.approvalTools ?? [];
    this.checkpointer =
      approvalTools.length > 0 && deps.checkpointer
        ? new DeferredCheckpointSaver(deps.checkpointer)
        : undefined;
    this.model = deps.model ?? createChatModel(this.settings);
    this.agent = buildAgent({
      settings: this.settings,
      model: this.model,
      tools: createAgentTools({ knowledge: deps.knowledge, now: deps.now }),
      hooks: deps.hooks,
      approvals: this.checkpointer
        ? { tools: approvalTools, checkpointer: this.checkpointer }
        : undefined,
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
  run(input: AgentRunInput): AsyncGenerator<AgentEvent, AgentRunResult, undefined> {
    const messages = toAgentMessages(input.history, input.message);
    return this.drive({ messages }, messages.length, input.signal, input.threadId, true);
  }

  /**
   * Names a conversation from its first question: one call of the model, without tools, within
   * `timeoutMs` and `signal`. Null when the model said nothing usable.
   * @throws what the model call throws (the caller decides what a failure means)
   */
  title(question: string, signal: AbortSignal): Promise<string | null> {
    return generateTitle(
      this.model,
      question,
      AbortSignal.any([signal, AbortSignal.timeout(this.settings.timeoutMs)]),
    );
  }

  /** Whether tool calls may wait for approval (tools listed, and a checkpointer to keep runs). */
  get approvalsEnabled(): boolean {
    return this.checkpointer !== undefined;
  }

  /**
   * Resumes a run paused for approval, from its stored checkpoint (this process or another one
   * paused it), with one decision per pending tool call: approved calls run, edited ones run with
   * the new arguments, rejected ones become an error result the model reads. Yields and returns as
   * {@link run} does (the run may pause again).
   */
  async *resume(input: AgentResumeInput): AsyncGenerator<AgentEvent, AgentRunResult, undefined> {
    if (!this.checkpointer) throw new Error('No run can be paused: approvals are not enabled');
    const config = { configurable: { thread_id: input.threadId } };
    const state = await this.agent.graph.getState(config);
    const pending = (state.values as { messages?: unknown[] }).messages ?? [];
    const last = pending.at(-1) as { tool_calls?: Array<{ name: string }> } | undefined;
    const resume = { decisions: toHitlDecisions(input.decisions, last?.tool_calls ?? []) };
    return yield* this.drive(
      new Command({ resume }),
      pending.length,
      input.signal,
      input.threadId,
      false,
    );
  }

  /** Forgets a run's checkpoints once it cannot be resumed any more. */
  async forget(threadId: string): Promise<void> {
    await this.checkpointer?.deleteThread(threadId);
  }

  private async *drive(
    graphInput: unknown,
    inputCount: number,
    runSignal: AbortSignal | undefined,
    threadId: string | undefined,
    fresh: boolean,
  ): AsyncGenerator<AgentEvent, AgentRunResult, undefined> {
    const mapper = new RunEventMapper(inputCount);
    const checkpoints = this.checkpointer && threadId ? this.checkpointer : undefined;
    checkpoints?.begin(threadId!, fresh);
    // Aborted when the consumer stops iterating, so a dropped run stops calling the model.
    const stop = new AbortController();
    const signal = runSignal ? AbortSignal.any([runSignal, stop.signal]) : stop.signal;
    let result: AgentRunResult;
    try {
      if (runSignal?.aborted) throw new AgentCancelledError();
      if (this.checkpointer && !threadId) throw new Error('A run needs a thread id');
      const stream = await this.agent.stream(graphInput as never, {
        streamMode: ['messages', 'values'],
        signal,
        recursionLimit: this.recursionLimit,
        // Kept only where it must be: when the run pauses (or ends), not after every step.
        ...(this.checkpointer
          ? { configurable: { thread_id: threadId }, durability: 'exit' as const }
          : {}),
      });
      for await (const [mode, payload] of stream as AsyncIterable<[string, unknown]>) {
        const events =
          mode === 'messages' ? mapper.fromMessagesMode(payload) : mapper.fromValuesMode(payload);
        yield* events;
      }
      // LangGraph may end quietly on abort; a cancelled run must not look finished.
      if (runSignal?.aborted) throw new AgentCancelledError();
      result = mapper.result();
      // Only a paused run is ever resumed: its state is stored, anyone else's dropped below.
      if (result.pending?.length) await checkpoints?.keep(threadId!);
    } catch (error) {
      if (!runSignal?.aborted && LOOP_LIMIT_ERRORS.some((n) => findErrorNamed(error, n))) {
        result = mapper.result(true);
      } else {
        const failure = this.toRunError(error, runSignal);
        failure.partial = mapper.partial();
        throw failure;
      }
    } finally {
      stop.abort();
      checkpoints?.drop(threadId!);
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

/**
 * The middleware's decisions, from ours: one per pending call, in the order of the paused
 * message's tool calls. An edit keeps the tool and changes its arguments.
 */
function toHitlDecisions(
  decisions: readonly AgentDecision[],
  calls: ReadonlyArray<{ name: string }>,
): unknown[] {
  return decisions.map((decision, index) => {
    switch (decision.type) {
      case 'approve':
        return { type: 'approve' };
      case 'edit':
        return {
          type: 'edit',
          editedAction: { name: calls[index]?.name ?? '', args: decision.args },
        };
      case 'reject':
        return decision.message === undefined
          ? { type: 'reject' }
          : { type: 'reject', message: decision.message };
    }
  });
}
