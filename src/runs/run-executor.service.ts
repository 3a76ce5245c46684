import { Injectable, Logger } from '@nestjs/common';
import {
  type AgentDecision,
  AgentRunner,
  countTokens,
  type AgentHistoryMessage,
  type AgentProducedMessage,
  type AgentRunPartial,
  type AgentRunResult,
} from '../agent';
import { MessagesService, type NewMessage } from '../conversations/messages.service';
import { LlmMetrics, RunMetrics } from '../metrics';
import { CircuitBreakerRegistry } from '../resilience';
import type { LiveRun } from './live-runs.registry';
import { type AnswerScope, ResponseCache } from './response-cache';
import { type RunEnding, RunEventLog, RunStorageError } from './run-event-log';
import type {
  PausedRun,
  RunFinishReason,
  RunSettlement,
  TerminalRunEvent,
  UnnumberedTerminalEvent,
} from './run-event.types';
import { classifyRunFailure, type RunOutcome } from './run-outcome';
import { ConversationTitles } from './conversation-titles';

/** What the executor needs to know about the run it drives. */
export interface RunContext {
  run: LiveRun;
  /** The user message the run answers, and the conversation before it. */
  question: { content: string; history: AgentHistoryMessage[] };
  /** Whose cached answers this run may store and serve. */
  scope: AnswerScope;
  /** The conversation has no title: name it once the run has answered (see `LLM_TITLES`). */
  nameConversation?: boolean;
  startedAt: number;
  /**
   * Decisions on the pending tool calls of a run paused for approval: the run goes on from its
   * checkpoint (the question and history are in it) instead of starting.
   */
  decisions?: AgentDecision[];
}

/** The agent stopped to wait for decisions on these tool calls. */
interface PausedOutcome {
  kind: 'paused';
  result: AgentRunResult;
}

/**
 * Drives one run: feeds the conversation to the agent, appends what the agent yields to the run's
 * event log, and ends the run exactly once: the produced messages, the terminal event and the
 * run's status are stored in one transaction before anyone sees the terminal event. When the `llm`
 * circuit is open, the model is not called: the user's own cached answer to the same question is
 * served, marked `degraded`, or the run fails with a retryable `llm_unavailable`.
 */
@Injectable()
export class RunExecutor {
  private readonly logger = new Logger('RunExecutor');

  constructor(
    private readonly agent: AgentRunner,
    private readonly messages: MessagesService,
    private readonly log: RunEventLog,
    private readonly breakers: CircuitBreakerRegistry,
    private readonly cache: ResponseCache,
    private readonly llmMetrics: LlmMetrics,
    private readonly runMetrics: RunMetrics,
    private readonly titles: ConversationTitles,
  ) {}

  /** Whether the `llm` circuit is open: runs are answered from the cache or refused. */
  get llmCircuitOpen(): boolean {
    return this.breakers.get('llm').state === 'OPEN';
  }

  /**
   * Whether a question could be answered now: false when the `llm` circuit is open and no cached
   * answer of this user fits (a refusal the `llm` breaker counts).
   */
  canAnswer(
    scope: AnswerScope,
    question: string,
  ): { ok: true } | { ok: false; retryAfterMs: number } {
    const llm = this.breakers.get('llm');
    if (llm.state !== 'OPEN' || this.cache.get(scope, question) !== undefined) return { ok: true };
    llm.countRejection();
    return { ok: false, retryAfterMs: this.llmRetryAfterMs() };
  }

  /**
   * Runs the agent until the run ends, or pauses for approval (its messages so far stored, the run
   * `awaiting_approval`); never rejects (failures end the run with an event).
   */
  async execute(context: RunContext): Promise<RunSettlement> {
    const { run } = context;
    const observed = this.runMetrics.runStarted(context.startedAt);
    let outcome: RunOutcome | PausedOutcome;
    try {
      outcome = await this.answer(context);
    } catch (error) {
      outcome = this.afterFailure(context, error);
    }
    if (outcome.kind === 'paused') {
      const paused = await this.pause(context, outcome.result);
      if (paused) {
        observed.paused();
        return paused;
      }
      // Its events or its pause could not be stored: it ends as any run whose storage failed.
      outcome = { kind: 'error', ...STORAGE_FAILED };
    }
    const settled = outcome;
    return observed.ended(await this.end(run.runId, () => this.ending(context, settled)));
  }

  /**
   * Ends a paused run this process has claimed without running it any further (cancelled, or its
   * approval expired), with `terminal`.
   */
  async endPaused(runId: string, terminal: UnnumberedTerminalEvent): Promise<TerminalRunEvent> {
    return this.runMetrics.pausedRunEnded(await this.end(runId, () => ({ terminal })));
  }

  private async end(runId: string, ending: () => RunEnding): Promise<TerminalRunEvent> {
    try {
      return await this.log.end(runId, ending);
    } catch (error) {
      // The database stayed away until shutdown: whichever instance closes the run stores its end.
      this.logger.warn(`Run ${runId} ended unstored: ${String(error)}`);
      return {
        type: 'error',
        run_id: runId,
        seq: 0,
        ...STORAGE_FAILED,
      };
    } finally {
      // A run that ended can never be resumed: its checkpoints are of no use any more.
      if (this.agent.approvalsEnabled) {
        this.agent
          .forget(runId)
          .catch((error: unknown) =>
            this.logger.warn(`Forgetting the checkpoints of run ${runId} failed: ${String(error)}`),
          );
      }
    }
  }

  /** Stores what the run produced until it paused, and the pause; undefined when it failed. */
  private async pause(context: RunContext, result: AgentRunResult): Promise<PausedRun | undefined> {
    const { run } = context;
    const toStore = messagesToStore(result, false, run.runId);
    const prepared = this.messages.prepareAppend(run.conversationId, toStore);
    const paused = await this.log.pause(run.runId, toStore.length > 0 ? prepared.sql : undefined);
    if (!paused) return undefined;
    return {
      type: 'paused',
      run_id: run.runId,
      approvals: (result.pending ?? []).map(({ tool_call_id, tool_name, args }) => ({
        tool_call_id,
        tool_name,
        args,
      })),
    };
  }

  private async answer(context: RunContext): Promise<RunOutcome | PausedOutcome> {
    const llm = this.breakers.get('llm');
    // An open circuit means the provider is failing: do not call it. (A run going on after a
    // pause has no cached answer: it calls, and fails as a call through an open circuit does.)
    if (llm.state === 'OPEN' && !context.decisions) {
      llm.countRejection();
      return this.degraded(context);
    }
    const result = await this.runAgent(context);
    this.llmMetrics.tokens('input', result.usage.input_tokens);
    this.llmMetrics.tokens('output', result.usage.output_tokens);
    if (result.pending && result.pending.length > 0) return { kind: 'paused', result };
    if (result.finish_reason === 'stop' && !context.decisions) {
      this.cache.set(context.scope, context.question.content, result.text);
      await this.titles.name(context);
    }
    return { kind: 'complete', result };
  }

  private afterFailure(context: RunContext, error: unknown): RunOutcome {
    const { run } = context;
    if (run.abort.signal.reason instanceof RunStorageError) {
      return { kind: 'error', ...STORAGE_FAILED };
    }
    const outcome = classifyRunFailure(error, run.stopReason);
    if (outcome.kind === 'error' && outcome.code === 'llm_unavailable') {
      // The circuit opened before the model said anything: the cache may still answer.
      if (!outcome.partial?.text && this.cache.get(context.scope, context.question.content)) {
        return this.degraded(context);
      }
      return { ...outcome, retryAfterMs: outcome.retryAfterMs ?? this.llmRetryAfterMs() };
    }
    if (outcome.kind === 'error' && outcome.code === 'internal_error') {
      this.logger.error({ err: error, run_id: run.runId }, 'Run failed');
    }
    return outcome;
  }

  /**
   * Answers without the model: the user's cached answer to the same question as one chunk and a
   * `complete_state` marked `degraded`; with nothing cached, a retryable `llm_unavailable` error
   * with the time the circuit admits its next trial call.
   */
  private degraded(context: RunContext): RunOutcome {
    const cached = this.cache.get(context.scope, context.question.content);
    if (cached === undefined) {
      return {
        kind: 'error',
        code: 'llm_unavailable',
        message: 'The language model is unavailable right now and no cached answer fits.',
        retryable: true,
        retryAfterMs: this.llmRetryAfterMs(),
      };
    }
    const tokens = countTokens(cached);
    this.log.append(context.run.runId, { type: 'message_chunk', content: cached, tokens });
    return {
      kind: 'complete',
      degraded: true,
      result: {
        text: cached,
        messages: [{ role: 'assistant', content: cached, tokens }],
        usage: { input_tokens: 0, output_tokens: 0, estimated: false },
        finish_reason: 'stop',
      },
    };
  }

  /** Milliseconds until the `llm` circuit admits its next trial call (at least 1 s). */
  private llmRetryAfterMs(): number {
    const next = this.breakers.get('llm').nextAttemptAt();
    return Math.max(next === null ? 1000 : next - Date.now(), 1000);
  }

  private async runAgent({ run, question, decisions }: RunContext): Promise<AgentRunResult> {
    // A run's checkpoints (kept only when it pauses) are named after it.
    const agentRun = decisions
      ? this.agent.resume({ threadId: run.runId, decisions, signal: run.abort.signal })
      : this.agent.run({
          history: question.history,
          message: question.content,
          signal: run.abort.signal,
          threadId: this.agent.approvalsEnabled ? run.runId : undefined,
        });
    for (;;) {
      const next = await agentRun.next();
      if (next.done) return next.value;
      const event = next.value;
      if (event.type !== 'final') this.log.append(run.runId, event);
    }
  }

  /** How the run ends: its terminal event, and the answer's messages to store with it. */
  private ending(context: RunContext, outcome: RunOutcome): RunEnding {
    const { run } = context;
    const produced = outcome.kind === 'complete' ? outcome.result : outcome.partial;
    const toStore = produced
      ? messagesToStore(produced, outcome.kind !== 'complete', run.runId)
      : [];
    // A partial answer always gets a message (possibly empty) so complete_state can point at it.
    if (outcome.kind === 'partial' && !toStore.some((m) => m.status === 'partial')) {
      toStore.push({
        role: 'assistant',
        content: '',
        status: 'partial',
        tokens: 0,
        runId: run.runId,
      });
    }
    const prepared = this.messages.prepareAppend(run.conversationId, toStore);
    const alsoStore = toStore.length > 0 ? prepared.sql : undefined;
    if (outcome.kind === 'error') {
      return {
        alsoStore,
        terminal: {
          type: 'error',
          code: outcome.code,
          message: outcome.message,
          retryable: outcome.retryable,
          ...(outcome.retryAfterMs !== undefined ? { retry_after_ms: outcome.retryAfterMs } : {}),
        },
      };
    }
    const answer = toStore.findLastIndex((message) => message.role === 'assistant');
    const usage = produced?.usage ?? { input_tokens: 0, output_tokens: 0, estimated: true };
    const finishReason: RunFinishReason =
      outcome.kind === 'partial'
        ? outcome.finishReason
        : outcome.result.finish_reason === 'length'
          ? 'length'
          : 'stop';
    return {
      alsoStore,
      terminal: {
        type: 'complete_state',
        message: produced?.text ?? '',
        message_id: answer >= 0 ? prepared.ids[answer] : '',
        conversation_id: run.conversationId,
        total_tokens: usage.input_tokens + usage.output_tokens,
        usage: {
          input_tokens: usage.input_tokens,
          output_tokens: usage.output_tokens,
          estimated: usage.estimated,
        },
        finish_reason: finishReason,
        degraded: outcome.kind === 'complete' && outcome.degraded === true,
        duration_ms: Date.now() - context.startedAt,
      },
    };
  }
}

const STORAGE_FAILED = {
  code: 'storage_unavailable',
  message: 'The answer could not be stored; send the message again.',
  retryable: true,
} as const;

/**
 * The messages a run produced, in order. For a run that stopped early, the text streamed after the
 * last complete assistant message is the cut-off answer: stored with status `partial`.
 */
function messagesToStore(
  produced: AgentRunPartial,
  stoppedEarly: boolean,
  runId: string,
): NewMessage[] {
  const stored: NewMessage[] = produced.messages.map((message: AgentProducedMessage) => ({
    role: message.role,
    content: message.content,
    tokens: message.tokens,
    toolCalls: message.tool_calls ?? null,
    toolCallId: message.tool_call_id ?? null,
    toolName: message.tool_name ?? null,
    runId,
  }));
  if (stoppedEarly) {
    const complete = produced.messages
      .filter((message) => message.role === 'assistant')
      .map((message) => message.content)
      .join('');
    const tail = produced.text.startsWith(complete)
      ? produced.text.slice(complete.length)
      : produced.text;
    if (tail.length > 0) {
      stored.push({
        role: 'assistant',
        content: tail,
        status: 'partial',
        tokens: countTokens(tail),
        runId,
      });
    }
  }
  return stored;
}
