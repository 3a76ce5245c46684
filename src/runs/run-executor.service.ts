import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import {
  AgentRunner,
  countTokens,
  type AgentHistoryMessage,
  type AgentProducedMessage,
  type AgentRunPartial,
  type AgentRunResult,
} from '../agent';
import type { MessageEntity } from '../conversations/message.entity';
import { MessagesService, type NewMessage } from '../conversations/messages.service';
import { LlmMetrics } from '../metrics';
import { CircuitBreakerRegistry } from '../resilience';
import type { LiveRun } from './live-run';
import { classifyRunFailure, type FailedRunOutcome } from './run-outcome';
import { RunEventStore } from './run-event.store';
import type { RunFinishReason, TerminalRunEvent } from './run-event.types';
import { RunRepository } from './run.repository';
import { type AnswerScope, ResponseCache } from './response-cache';

/** What the executor needs to know about the run it drives. */
export interface RunContext {
  live: LiveRun;
  userMessage: MessageEntity;
  startedAt: number;
  /** Whose cached answers this run may store and serve. */
  scope: AnswerScope;
}

/**
 * Drives one run: feeds the conversation to the agent, turns what the agent yields into the run's
 * events, and ends the run exactly once: the produced messages, the terminal event and the run's
 * status are stored in one transaction before the terminal event is published to anyone.
 */
@Injectable()
export class RunExecutor {
  private readonly logger = new Logger('RunExecutor');

  constructor(
    private readonly agent: AgentRunner,
    private readonly messages: MessagesService,
    private readonly runs: RunRepository,
    private readonly store: RunEventStore,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly breakers: CircuitBreakerRegistry,
    private readonly cache: ResponseCache,
    private readonly llmMetrics: LlmMetrics,
  ) {}

  /** Runs the agent to the end; never throws (failures end the run with an event). */
  async execute(context: RunContext): Promise<TerminalRunEvent> {
    const { live } = context;
    const question = context.userMessage.content;
    let terminal: TerminalRunEvent;
    try {
      // An open circuit means the provider is failing: do not call it, answer from the cache.
      if (this.breakers.get('llm').state === 'OPEN') {
        terminal = await this.finishDegraded(context);
      } else {
        const result = await this.runAgent(context);
        terminal = await this.finish(context, { kind: 'complete', result });
        this.llmMetrics.tokens('input', result.usage.input_tokens);
        this.llmMetrics.tokens('output', result.usage.output_tokens);
        if (result.finish_reason === 'stop') this.cache.set(context.scope, question, result.text);
      }
    } catch (error) {
      let outcome = classifyRunFailure(error, live.stopReason);
      // The circuit opened before the model said anything: the cache may still answer.
      if (
        outcome.kind === 'error' &&
        outcome.code === 'llm_unavailable' &&
        !outcome.partial?.text &&
        this.cache.get(context.scope, question) !== undefined
      ) {
        live.stopReason = undefined;
        terminal = await this.finishDegraded(context).catch((finishError: unknown) =>
          this.failHard(context, finishError),
        );
        live.complete(terminal);
        return terminal;
      }
      if (outcome.kind === 'error' && outcome.code === 'llm_unavailable') {
        outcome = { ...outcome, retryAfterMs: outcome.retryAfterMs ?? this.llmRetryAfterMs() };
      }
      if (outcome.kind === 'error' && outcome.code === 'internal_error') {
        this.logger.error({ err: error, run_id: live.runId }, 'Run failed');
      }
      terminal = await this.finish(context, outcome).catch((finishError: unknown) =>
        this.failHard(context, finishError),
      );
    }
    live.complete(terminal);
    return terminal;
  }

  /**
   * Answers without the model: the cached answer to the same question as one chunk and a
   * `complete_state` marked `degraded`, or, with nothing cached, an `llm_unavailable` error with the
   * time the circuit admits its next trial call.
   */
  private async finishDegraded(context: RunContext): Promise<TerminalRunEvent> {
    const cached = this.cache.get(context.scope, context.userMessage.content);
    if (cached === undefined) {
      return this.finish(context, {
        kind: 'error',
        code: 'llm_unavailable',
        message: 'The language model is unavailable right now and no cached answer fits.',
        retryable: true,
        retryAfterMs: this.llmRetryAfterMs(),
      });
    }
    const tokens = countTokens(cached);
    context.live.emit({ type: 'message_chunk', content: cached, tokens });
    return this.finish(context, {
      kind: 'complete',
      degraded: true,
      result: {
        text: cached,
        messages: [{ role: 'assistant', content: cached, tokens }],
        usage: { input_tokens: 0, output_tokens: 0, estimated: false },
        finish_reason: 'stop',
      },
    });
  }

  /** Milliseconds until the `llm` circuit admits its next trial call (at least 1 s). */
  private llmRetryAfterMs(): number {
    const next = this.breakers.get('llm').nextAttemptAt();
    return Math.max(next === null ? 1000 : next - Date.now(), 1000);
  }

  private async runAgent({ live, userMessage }: RunContext): Promise<AgentRunResult> {
    const history = (await this.messages.history(live.conversationId))
      .filter((message) => message.seq < userMessage.seq && message.status !== 'failed')
      .map(toHistory);
    const run = this.agent.run({
      history,
      message: userMessage.content,
      signal: live.abort.signal,
    });
    for (;;) {
      const next = await run.next();
      if (next.done) return next.value;
      const event = next.value;
      if (event.type === 'final') continue;
      live.emit(event);
    }
  }

  private async finish(
    context: RunContext,
    outcome: { kind: 'complete'; result: AgentRunResult; degraded?: boolean } | FailedRunOutcome,
  ): Promise<TerminalRunEvent> {
    const { live } = context;
    await live.flushed();
    const produced = outcome.kind === 'complete' ? outcome.result : outcome.partial;
    const finishReason: RunFinishReason | undefined =
      outcome.kind === 'complete'
        ? outcome.result.finish_reason === 'length'
          ? 'length'
          : 'stop'
        : outcome.kind === 'partial'
          ? outcome.finishReason
          : undefined;

    return this.dataSource.transaction(async (manager) => {
      const toStore = produced
        ? messagesToStore(produced, outcome.kind !== 'complete', live.runId)
        : [];
      // A partial answer always gets a message (possibly empty) so complete_state can point at it.
      if (outcome.kind === 'partial' && !toStore.some((m) => m.status === 'partial')) {
        toStore.push({
          role: 'assistant',
          content: '',
          status: 'partial',
          tokens: 0,
          runId: live.runId,
        });
      }
      const stored = await this.messages.append(manager, live.conversationId, toStore);
      const answer = [...stored].reverse().find((message) => message.role === 'assistant');

      const usage = produced?.usage ?? { input_tokens: 0, output_tokens: 0, estimated: true };
      const terminal: TerminalRunEvent =
        outcome.kind === 'error'
          ? live.number({
              type: 'error',
              code: outcome.code,
              message: outcome.message,
              retryable: outcome.retryable,
              ...(outcome.retryAfterMs !== undefined
                ? { retry_after_ms: outcome.retryAfterMs }
                : {}),
            })
          : live.number({
              type: 'complete_state',
              message: produced?.text ?? '',
              message_id: answer?.id ?? '',
              conversation_id: live.conversationId,
              total_tokens: usage.input_tokens + usage.output_tokens,
              usage: {
                input_tokens: usage.input_tokens,
                output_tokens: usage.output_tokens,
                estimated: usage.estimated,
              },
              finish_reason: finishReason ?? 'stop',
              degraded: outcome.kind === 'complete' && outcome.degraded === true,
              duration_ms: Date.now() - context.startedAt,
            });
      await this.store.append(live.runId, [terminal], manager);
      await this.runs.finish(
        manager,
        live.runId,
        outcome.kind === 'error'
          ? 'failed'
          : finishReason === 'cancelled'
            ? 'cancelled'
            : 'completed',
        { finishReason, errorCode: outcome.kind === 'error' ? outcome.code : undefined },
      );
      return terminal;
    });
  }

  /** Storage itself failed while ending the run: tell the local subscribers, mark it best-effort. */
  private async failHard(context: RunContext, error: unknown): Promise<TerminalRunEvent> {
    this.logger.error(
      { err: error, run_id: context.live.runId },
      'Could not store the end of a run',
    );
    const terminal = context.live.number({
      type: 'error',
      code: 'storage_unavailable',
      message: 'The run could not be stored.',
      retryable: true,
    });
    await this.dataSource
      .transaction((manager) =>
        this.runs.finish(manager, context.live.runId, 'failed', {
          errorCode: 'storage_unavailable',
        }),
      )
      .catch(() => undefined);
    return terminal;
  }
}

function toHistory(message: MessageEntity): AgentHistoryMessage {
  return {
    role: message.role,
    content: message.content,
    tool_calls: message.toolCalls,
    tool_call_id: message.toolCallId,
    tool_name: message.toolName,
  };
}

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
