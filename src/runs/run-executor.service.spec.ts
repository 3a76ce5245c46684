import {
  AgentCancelledError,
  AgentModelError,
  type AgentEvent,
  type AgentRunInput,
  type AgentRunner,
  type AgentRunResult,
} from '../agent';
import type { LlmConfig } from '../config';
import type { MessagesService, NewMessage } from '../conversations/messages.service';
import type { LlmMetrics, RunMetrics } from '../metrics';
import { CircuitBreakerRegistry } from '../resilience';
import { LiveRun } from './live-runs.registry';
import { ResponseCache } from './response-cache';
import { type RunEnding, type RunEventLog, RunStorageError } from './run-event-log';
import type { TerminalRunEvent, UnnumberedRunEvent } from './run-event.types';
import type { ConversationTitles } from './conversation-titles';
import { RunExecutor, type RunContext } from './run-executor.service';

const RESULT: AgentRunResult = {
  text: 'Hello there.',
  messages: [{ role: 'assistant', content: 'Hello there.', tokens: 3 }],
  usage: { input_tokens: 7, output_tokens: 3, estimated: false },
  finish_reason: 'stop',
};

/** An agent that yields scripted events, or throws after them; it records what it was given. */
function fakeAgent(
  events: AgentEvent[],
  options: { fail?: (input: AgentRunInput) => Error; result?: AgentRunResult } = {},
) {
  const inputs: AgentRunInput[] = [];
  const agent = {
    async *run(input: AgentRunInput): AsyncGenerator<AgentEvent, AgentRunResult> {
      inputs.push(input);
      for (const event of events) {
        await Promise.resolve();
        yield event;
      }
      if (options.fail) throw options.fail(input);
      return options.result ?? RESULT;
    },
  };
  return { agent: agent as unknown as AgentRunner, inputs };
}

/** The log, as the executor uses it: what was appended, and how the run ended. */
class FakeLog {
  readonly appended: UnnumberedRunEvent[] = [];
  ending?: RunEnding;
  append(_runId: string, event: UnnumberedRunEvent): void {
    this.appended.push(event);
  }
  async end(
    runId: string,
    ending: () => RunEnding | Promise<RunEnding>,
  ): Promise<TerminalRunEvent> {
    this.ending = await ending();
    return {
      ...this.ending.terminal,
      run_id: runId,
      seq: this.appended.length + 1,
    };
  }
}

function setup(agent: AgentRunner) {
  const log = new FakeLog();
  const stored: NewMessage[][] = [];
  const messages = {
    prepareAppend: (_conversationId: string, list: NewMessage[]) => {
      stored.push(list);
      return { ids: list.map((_, i) => `m-${i + 1}`), sql: () => () => '' };
    },
  };
  const breakers = new CircuitBreakerRegistry();
  const cache = new ResponseCache({
    responseCacheSize: 10,
    responseCacheTtlMs: 60_000,
  } as LlmConfig);
  const metrics = { tokens: jest.fn() };
  const runMetrics = { runStarted: () => ({ ended: <E>(event: E) => event }) };
  const executor = new RunExecutor(
    agent,
    messages as unknown as MessagesService,
    log as unknown as RunEventLog,
    breakers,
    cache,
    metrics as unknown as LlmMetrics,
    runMetrics as unknown as RunMetrics,
    // These runs name no conversation (`nameConversation` unset).
    { name: () => Promise.resolve() } as unknown as ConversationTitles,
  );
  return { executor, log, stored, breakers, cache };
}

function context(run = new LiveRun('run-1', 'ann', 'conv-1')): RunContext {
  return {
    run,
    question: {
      content: 'Hi?',
      history: [{ role: 'user', content: 'earlier', tokens: 2 } as never],
    },
    scope: { userId: 'ann', conversationId: 'conv-1', hasHistory: true },
    startedAt: Date.now(),
  };
}

describe('RunExecutor', () => {
  it('appends what the agent yields, stores the answer and ends with complete_state pointing at it', async () => {
    const { agent, inputs } = fakeAgent([
      { type: 'message_chunk', content: 'Hello ', tokens: 1 },
      { type: 'message_chunk', content: 'there.', tokens: 2 },
      { type: 'final', ...RESULT },
    ]);
    const { executor, log, stored, cache } = setup(agent);
    const terminal = await executor.execute(context());
    expect(inputs[0]).toMatchObject({ message: 'Hi?', history: [{ content: 'earlier' }] });
    expect(log.appended.map((e) => e.type)).toEqual(['message_chunk', 'message_chunk']);
    expect(stored[0]).toEqual([
      expect.objectContaining({ role: 'assistant', content: 'Hello there.', runId: 'run-1' }),
    ]);
    expect(terminal).toMatchObject({
      type: 'complete_state',
      message: 'Hello there.',
      message_id: 'm-1',
      conversation_id: 'conv-1',
      total_tokens: 10,
      finish_reason: 'stop',
      degraded: false,
    });
    expect(cache.get({ userId: 'ann', conversationId: 'conv-1', hasHistory: true }, 'hi')).toBe(
      'Hello there.',
    );
  });

  it('with the llm circuit open, answers from the user’s cache (degraded) without calling the agent', async () => {
    const { agent, inputs } = fakeAgent([]);
    const { executor, log, breakers, cache } = setup(agent);
    cache.set(context().scope, 'Hi?', 'Cached hello.');
    breakers.get('llm').isolate();
    const terminal = await executor.execute(context());
    expect(inputs).toEqual([]);
    expect(log.appended).toEqual([expect.objectContaining({ content: 'Cached hello.' })]);
    expect(terminal).toMatchObject({ type: 'complete_state', degraded: true });
    expect(breakers.get('llm').snapshot().metrics.rejected_calls).toBe(1);
  });

  it('with the llm circuit open and nothing cached, fails fast with a retryable llm_unavailable', async () => {
    const { agent } = fakeAgent([]);
    const { executor, breakers } = setup(agent);
    breakers.get('llm').isolate();
    expect(await executor.execute(context())).toMatchObject({
      type: 'error',
      code: 'llm_unavailable',
      retryable: true,
      retry_after_ms: expect.any(Number),
    });
  });

  it('stores the partial answer of a cancelled run, and ends with finish_reason cancelled', async () => {
    const run = new LiveRun('run-1', 'ann', 'conv-1');
    const { agent } = fakeAgent([{ type: 'message_chunk', content: 'Half an ', tokens: 2 }], {
      fail: () => {
        run.stop('user');
        const error = new AgentCancelledError();
        error.partial = { text: 'Half an ', messages: [], usage: RESULT.usage };
        return error;
      },
    });
    const { executor, stored } = setup(agent);
    const terminal = await executor.execute(context(run));
    expect(stored[0]).toEqual([
      expect.objectContaining({ role: 'assistant', content: 'Half an ', status: 'partial' }),
    ]);
    expect(terminal).toMatchObject({
      type: 'complete_state',
      finish_reason: 'cancelled',
      message_id: 'm-1',
    });
  });

  it('ends a model failure with llm_error, retryable as the provider said', async () => {
    const { agent } = fakeAgent([], {
      fail: () => new AgentModelError('bad request', { retryable: false, status: 400 }),
    });
    const { executor } = setup(agent);
    expect(await executor.execute(context())).toMatchObject({
      type: 'error',
      code: 'llm_error',
      retryable: false,
    });
  });

  it('ends a run whose events could not be stored with storage_unavailable', async () => {
    const run = new LiveRun('run-1', 'ann', 'conv-1');
    const { agent } = fakeAgent([], {
      fail: () => {
        run.abort.abort(new RunStorageError('rejected', 'Storing failed.'));
        return new AgentCancelledError();
      },
    });
    const { executor } = setup(agent);
    expect(await executor.execute(context(run))).toMatchObject({
      type: 'error',
      code: 'storage_unavailable',
      retryable: true,
    });
  });
});
