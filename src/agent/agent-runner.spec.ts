import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import type { AgentEvent, AgentRunInput, AgentRunResult } from './agent-run.types';
import { AgentRunner, type AgentRunnerDependencies } from './agent-runner';
import {
  AgentCancelledError,
  type AgentError,
  AgentModelError,
  AgentTimeoutError,
} from './agent.errors';
import type { AgentSettings } from './agent.settings';
import { LOCAL_ANSWER_PREAMBLE } from './models/local-reply.planner';
import { LocalChatModel } from './models/local-chat-model';
import type { KnowledgeSearchPort } from './tools/knowledge-search.port';
import { countTokens } from './tokenizer';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function runner(settings: Partial<AgentSettings> = {}, deps: AgentRunnerDependencies = {}) {
  return new AgentRunner({ localTokenDelayMs: 0, ...settings }, deps);
}

async function runAll(agent: AgentRunner, input: Partial<AgentRunInput> & { message: string }) {
  const events: AgentEvent[] = [];
  const generator = agent.run({ history: [], ...input });
  for (;;) {
    const next = await generator.next();
    if (next.done) return { events, result: next.value };
    events.push(next.value);
  }
}

/** Runs until the run throws; returns the events yielded before and the error. */
async function runUntilError(agent: AgentRunner, input: AgentRunInput) {
  const events: AgentEvent[] = [];
  try {
    for await (const event of agent.run(input)) events.push(event);
  } catch (error) {
    return { events, error: error as AgentError };
  }
  throw new Error('the run did not fail');
}

const chunkText = (events: AgentEvent[]) =>
  events.flatMap((e) => (e.type === 'message_chunk' ? [e.content] : [])).join('');

describe('AgentRunner with the local model', () => {
  beforeAll(async () => {
    // The first run loads the tokenizer and LangChain's modules: keep it out of the timings.
    await runAll(runner(), { message: 'warm up' });
  });

  it('streams the answer word by word, then a final summary', async () => {
    const { events, result } = await runAll(runner(), { message: 'hello there' });

    const chunks = events.filter((e) => e.type === 'message_chunk');
    expect(chunks.map((c) => c.content)).toEqual(
      `${LOCAL_ANSWER_PREAMBLE} hello there`.match(/\S+\s*/g),
    );
    expect(chunks.every((c) => c.tokens > 0)).toBe(true);
    const answerTokens = countTokens(`${LOCAL_ANSWER_PREAMBLE} hello there`);
    const final = events.at(-1);
    expect(final).toEqual({ type: 'final', ...result });
    expect(result).toEqual<AgentRunResult>({
      text: `${LOCAL_ANSWER_PREAMBLE} hello there`,
      messages: [
        {
          role: 'assistant',
          content: `${LOCAL_ANSWER_PREAMBLE} hello there`,
          tokens: answerTokens,
        },
      ],
      usage: { input_tokens: expect.any(Number), output_tokens: answerTokens, estimated: true },
      finish_reason: 'stop',
    });
    expect(result.usage.input_tokens).toBeGreaterThan(20);
  });

  it('calls the calculator and answers from its result', async () => {
    const { events, result } = await runAll(runner(), { message: 'what is 12 * (3 + 4)?' });

    const callId = expect.stringMatching(/^call_local_/);
    expect(events.slice(0, 2)).toEqual([
      {
        type: 'tool_call',
        tool_name: 'calculator',
        tool_call_id: callId,
        args: { expression: '12 * (3 + 4)' },
      },
      {
        type: 'tool_result',
        tool_name: 'calculator',
        tool_call_id: callId,
        result: '84',
        is_error: false,
      },
    ]);
    expect(chunkText(events)).toBe('The result is 84.');
    expect(result.messages).toEqual([
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ id: callId, name: 'calculator', args: { expression: '12 * (3 + 4)' } }],
        tokens: expect.any(Number),
      },
      {
        role: 'tool',
        content: '84',
        tool_call_id: callId,
        tool_name: 'calculator',
        is_error: false,
        tokens: 1,
      },
      { role: 'assistant', content: 'The result is 84.', tokens: 6 },
    ]);
    expect(result.finish_reason).toBe('stop');
  });

  it('searches the knowledge base through the port, passing the run signal', async () => {
    const search = jest.fn<
      ReturnType<KnowledgeSearchPort['search']>,
      Parameters<KnowledgeSearchPort['search']>
    >();
    search.mockResolvedValue([
      { document_id: 'd1', title: 'Refund policy', content: 'Refunds within 30 days.', score: 0.8 },
    ]);
    const { events } = await runAll(runner({}, { knowledge: { search } }), {
      message: 'search the knowledge base for refunds',
    });

    expect(search).toHaveBeenCalledWith('refunds', 4, expect.any(AbortSignal));
    expect(events.find((e) => e.type === 'tool_result')).toMatchObject({
      tool_name: 'search_knowledge_base',
      is_error: false,
    });
    expect(chunkText(events)).toBe(
      'I found 1 document in the knowledge base. 1. Refund policy: Refunds within 30 days.',
    );
  });

  it('turns a tool failure into an error result and carries on', async () => {
    const { events, result } = await runAll(runner(), { message: 'what is 1 / 0' });

    expect(events.find((e) => e.type === 'tool_result')).toMatchObject({
      tool_name: 'calculator',
      result: 'Error: Division by zero',
      is_error: true,
    });
    expect(chunkText(events)).toBe('The calculator tool failed: Error: Division by zero');
    expect(result.finish_reason).toBe('stop');
    expect(result.messages[1]).toMatchObject({ role: 'tool', is_error: true });
  });

  it('feeds the history and the new message to the model', async () => {
    const model = fakeModel().respond(new AIMessage('fine'));
    await runAll(runner({ systemPrompt: 'System.' }, { model }), {
      history: [
        { role: 'user', content: 'what is 2+2' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ id: 'c1', name: 'calculator', args: { expression: '2+2' } }],
        },
        { role: 'tool', content: '4', tool_call_id: 'c1', tool_name: 'calculator' },
        { role: 'assistant', content: 'It is 4.' },
      ],
      message: 'thanks',
    });

    const sent: BaseMessage[] = model.calls[0].messages;
    expect(sent.map((m) => [m.getType(), m.text])).toEqual([
      ['system', 'System.'],
      ['human', 'what is 2+2'],
      ['ai', ''],
      ['tool', '4'],
      ['ai', 'It is 4.'],
      ['human', 'thanks'],
    ]);
  });

  it('ends with finish_reason "length" when the model-call limit stops the loop', async () => {
    const { events, result } = await runAll(runner({ maxModelCalls: 1 }), {
      message: 'what is 2 + 2',
    });

    expect(events.map((e) => e.type)).toEqual(['tool_call', 'tool_result', 'final']);
    expect(result.finish_reason).toBe('length');
    expect(result.messages.map((m) => m.role)).toEqual(['assistant', 'tool']);
  });

  it('blocks tool calls over maxToolCalls with an error result and ends the loop', async () => {
    const model = fakeModel()
      .respondWithTools([{ name: 'calculator', args: { expression: '1+1' }, id: 'a' }])
      .respondWithTools([{ name: 'calculator', args: { expression: '2+2' }, id: 'b' }])
      .respond(new AIMessage('never reached'));
    const { events, result } = await runAll(runner({ maxToolCalls: 1 }, { model }), {
      message: 'add things',
    });

    const results = events.filter((e) => e.type === 'tool_result');
    expect(results).toEqual([
      expect.objectContaining({ tool_call_id: 'a', result: '2', is_error: false }),
      expect.objectContaining({
        tool_call_id: 'b',
        is_error: true,
        result: expect.stringMatching(/limit/i),
      }),
    ]);
    expect(result.finish_reason).toBe('length');
    expect(model.callCount).toBe(2);
  });

  it('runs the calls of one answer up to maxToolCalls, refuses the rest, and goes on', async () => {
    const model = fakeModel()
      .respondWithTools([
        { name: 'calculator', args: { expression: '1+1' }, id: 'a' },
        { name: 'calculator', args: { expression: '2+2' }, id: 'b' },
      ])
      .respond(new AIMessage('One of them: 2.'));
    const { events, result } = await runAll(runner({ maxToolCalls: 1 }, { model }), {
      message: 'add things',
    });

    expect(events.filter((e) => e.type === 'tool_result')).toEqual([
      expect.objectContaining({ tool_call_id: 'a', result: '2', is_error: false }),
      expect.objectContaining({
        tool_call_id: 'b',
        is_error: true,
        result: expect.stringMatching(/limit/i),
      }),
    ]);
    // Not every call was refused: the model read the results and answered.
    expect(result.finish_reason).toBe('stop');
    expect(result.text).toContain('One of them: 2.');
    expect(model.callCount).toBe(2);
  });

  it('offers no tools when maxToolCalls is 0', async () => {
    const { events } = await runAll(runner({ maxToolCalls: 0 }), { message: 'what is 2 + 2' });
    expect(events.some((e) => e.type === 'tool_call')).toBe(false);
    expect(chunkText(events)).toBe(`${LOCAL_ANSWER_PREAMBLE} what is 2 + 2`);
  });

  it('sums provider-reported usage over every model call', async () => {
    const usage = (input: number, output: number) => ({
      input_tokens: input,
      output_tokens: output,
      total_tokens: input + output,
    });
    const model = fakeModel()
      .respond(
        new AIMessage({
          content: '',
          tool_calls: [{ id: 'a', name: 'calculator', args: { expression: '1+1' } }],
          usage_metadata: usage(100, 7),
        }),
      )
      .respond(new AIMessage({ content: 'Two.', usage_metadata: usage(120, 3) }));
    const { events, result } = await runAll(runner({}, { model }), { message: '1+1?' });

    expect(result.usage).toEqual({ input_tokens: 220, output_tokens: 10, estimated: false });
    expect(result.messages.map((m) => m.tokens)).toEqual([7, 1, 3]);
    // A model that does not stream still gives its text as one chunk, once.
    expect(events.filter((e) => e.type === 'message_chunk')).toEqual([
      { type: 'message_chunk', content: 'Two.', tokens: 2 },
    ]);
    expect(result.text).toBe('Two.');
  });

  it('runs turns of different conversations side by side on one runner', async () => {
    const agent = runner({ localTokenDelayMs: 5 });
    const [a, b, c] = await Promise.all([
      runAll(agent, { message: 'what is 6 * 7' }),
      runAll(agent, { message: 'alpha beta gamma' }),
      runAll(agent, { message: 'what is 1 / 0' }),
    ]);
    expect(a.result.text).toBe('The result is 42.');
    expect(b.result.text).toBe(`${LOCAL_ANSWER_PREAMBLE} alpha beta gamma`);
    expect(c.result.text).toBe('The calculator tool failed: Error: Division by zero');
  });

  it('refuses to start when the signal is already aborted', async () => {
    const { events, error } = await runUntilError(runner(), {
      history: [],
      message: 'hi',
      signal: AbortSignal.abort(),
    });
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(AgentCancelledError);
  });

  it('stops promptly on cancel, after yielding the chunks produced so far', async () => {
    const controller = new AbortController();
    const agent = runner({ localTokenDelayMs: 30 });
    const events: AgentEvent[] = [];
    let abortedAt = 0;
    let error: unknown;
    try {
      for await (const event of agent.run({
        history: [],
        message: 'one two three four five six',
        signal: controller.signal,
      })) {
        events.push(event);
        if (events.length === 3) {
          abortedAt = performance.now();
          controller.abort();
        }
      }
    } catch (caught) {
      error = caught;
    }

    expect(performance.now() - abortedAt).toBeLessThan(100);
    expect(error).toBeInstanceOf(AgentCancelledError);
    expect(events).toHaveLength(3);
    expect((error as AgentError).partial).toEqual({
      text: chunkText(events),
      messages: [],
      usage: { input_tokens: 0, output_tokens: 0, estimated: false },
    });
  });

  it('times a slow model call out with AgentTimeoutError, not a cancel', async () => {
    const agent = runner({ localTokenDelayMs: 40, timeoutMs: 150 });
    const started = performance.now();
    const { events, error } = await runUntilError(agent, {
      history: [],
      message: 'a long answer '.repeat(20),
    });
    const elapsed = performance.now() - started;

    expect(error).toBeInstanceOf(AgentTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 150, retryable: true, code: 'timeout' });
    expect(elapsed).toBeGreaterThanOrEqual(145);
    expect(elapsed).toBeLessThan(1000);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.type === 'message_chunk')).toBe(true);
    expect(error.partial?.text).toBe(chunkText(events));
  });

  it('applies the timeout to each model call, not to the whole run', async () => {
    const agent = runner(
      { timeoutMs: 200 },
      {
        hooks: {
          // Time spent outside the call (a breaker queue, a backoff) does not count.
          wrapModelCall: async (_call, next) => {
            await sleep(150);
            return next();
          },
        },
      },
    );
    const started = performance.now();
    const { result } = await runAll(agent, { message: 'what is 2 + 2' });
    expect(performance.now() - started).toBeGreaterThan(300);
    expect(result.text).toBe('The result is 4.');
  });

  it('aborts the model call when the consumer stops iterating', async () => {
    const model = new LocalChatModel({ tokenDelayMs: 20 });
    const signals: AbortSignal[] = [];
    const original = model._streamResponseChunks.bind(model);
    jest.spyOn(model, '_streamResponseChunks').mockImplementation((messages, options, manager) => {
      if (options.signal) signals.push(options.signal);
      return original(messages, options, manager);
    });

    for await (const event of runner({}, { model }).run({ history: [], message: 'go on and on' })) {
      expect(event.type).toBe('message_chunk');
      break;
    }

    expect(signals).toHaveLength(1);
    expect(signals[0].aborted).toBe(true);
  });

  it('reports a failing model as AgentModelError, retryable by its status', async () => {
    const down = Object.assign(new Error('upstream unavailable'), { status: 503 });
    const { error } = await runUntilError(runner({}, { model: fakeModel().respond(down) }), {
      history: [],
      message: 'hi',
    });
    expect(error).toBeInstanceOf(AgentModelError);
    expect(error).toMatchObject({ retryable: true, status: 503, message: 'upstream unavailable' });

    const invalid = Object.assign(new Error('bad request'), { status: 400 });
    const second = await runUntilError(runner({}, { model: fakeModel().respond(invalid) }), {
      history: [],
      message: 'hi',
    });
    expect(second.error).toMatchObject({ retryable: false, status: 400 });
  });
});
