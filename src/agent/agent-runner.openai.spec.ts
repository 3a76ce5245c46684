import {
  FakeOpenAIServer,
  textResponse,
  toolCallResponse,
} from '../../test/support/fake-openai-server';
import type { AgentEvent, AgentRunInput } from './agent-run.types';
import { AgentRunner } from './agent-runner';
import {
  AgentCancelledError,
  type AgentError,
  AgentModelError,
  AgentTimeoutError,
} from './agent.errors';
import type { AgentSettings } from './agent.settings';

/**
 * The OpenAI provider end to end: the real ChatOpenAI, built by the provider factory, against a
 * local server speaking the Chat Completions streaming protocol.
 */
describe('AgentRunner with ChatOpenAI against an OpenAI-compatible server', () => {
  let server: FakeOpenAIServer;

  beforeAll(async () => {
    server = await FakeOpenAIServer.start();
    // The first run loads the tokenizer and the OpenAI client: keep it out of the timings.
    server.enqueue(textResponse('warm'));
    await collect(runner(), { history: [], message: 'warm up' });
  });

  beforeEach(() => server.reset());

  afterAll(() => server.close());

  function runner(settings: Partial<AgentSettings> = {}) {
    return new AgentRunner({
      provider: 'openai',
      openaiBaseUrl: server.baseUrl,
      model: 'fake-model',
      timeoutMs: 2000,
      ...settings,
    });
  }

  async function collect(agent: AgentRunner, input: AgentRunInput) {
    const events: AgentEvent[] = [];
    try {
      for await (const event of agent.run(input)) events.push(event);
      return { events, error: undefined };
    } catch (error) {
      return { events, error: error as AgentError };
    }
  }

  const text = (events: AgentEvent[]) =>
    events.flatMap((e) => (e.type === 'message_chunk' ? [e.content] : []));

  it('streams the text deltas and reports the usage of the final usage chunk', async () => {
    server.enqueue(
      textResponse('Hello from the fake server.', {
        usage: { prompt_tokens: 42, completion_tokens: 6 },
      }),
    );
    const { events, error } = await collect(runner(), { history: [], message: 'hi' });

    expect(error).toBeUndefined();
    expect(text(events)).toEqual(['Hello ', 'from ', 'the ', 'fake ', 'server.']);
    expect(events.at(-1)).toEqual({
      type: 'final',
      text: 'Hello from the fake server.',
      messages: [{ role: 'assistant', content: 'Hello from the fake server.', tokens: 6 }],
      usage: { input_tokens: 42, output_tokens: 6, estimated: false },
      finish_reason: 'stop',
    });

    const [request] = server.requests;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.body).toMatchObject({
      model: 'fake-model',
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(request.body.tools?.map((t) => t.function.name)).toEqual([
      'calculator',
      'current_time',
      'set_reminder',
    ]);
    expect(request.body.messages?.map((m) => m.role)).toEqual(['system', 'user']);
    expect(request.body.messages?.at(-1)?.content).toBe('hi');
  });

  it('assembles tool-call arguments split over several chunks and sends the result back', async () => {
    server.enqueue(
      toolCallResponse(
        { id: 'call_abc', name: 'calculator', args: { expression: '12 * (3 + 4)' } },
        4,
      ),
      textResponse('It is 84.'),
    );
    const { events, error } = await collect(runner(), {
      history: [],
      message: 'what is 12 * (3 + 4)?',
    });

    expect(error).toBeUndefined();
    expect(events.filter((e) => e.type === 'tool_call')).toEqual([
      {
        type: 'tool_call',
        tool_name: 'calculator',
        tool_call_id: 'call_abc',
        args: { expression: '12 * (3 + 4)' },
      },
    ]);
    expect(events.filter((e) => e.type === 'tool_result')).toEqual([
      {
        type: 'tool_result',
        tool_name: 'calculator',
        tool_call_id: 'call_abc',
        result: '84',
        is_error: false,
      },
    ]);
    expect(text(events).join('')).toBe('It is 84.');

    expect(server.requests).toHaveLength(2);
    const followUp = server.requests[1].body.messages ?? [];
    expect(followUp.slice(-2)).toEqual([
      expect.objectContaining({
        role: 'assistant',
        tool_calls: [
          expect.objectContaining({
            id: 'call_abc',
            function: { name: 'calculator', arguments: '{"expression":"12 * (3 + 4)"}' },
          }),
        ],
      }),
      expect.objectContaining({ role: 'tool', tool_call_id: 'call_abc', content: '84' }),
    ]);
    const final = events.at(-1);
    expect(final?.type === 'final' && final.usage.estimated).toBe(false);
    expect(final?.type === 'final' && final.finish_reason).toBe('stop');
  });

  it('counts the usage itself, marked estimated, when the server reports none', async () => {
    server.enqueue(textResponse('No usage here.', { usage: null }));
    const { events } = await collect(runner(), { history: [], message: 'hi' });
    expect(events.at(-1)).toMatchObject({
      type: 'final',
      usage: { output_tokens: 4, estimated: true },
    });
  });

  it('reports "length" when the server cut the answer', async () => {
    server.enqueue(textResponse('Once upon a', { finishReason: 'length' }));
    const { events } = await collect(runner(), { history: [], message: 'story' });
    expect(events.at(-1)).toMatchObject({ type: 'final', finish_reason: 'length' });
  });

  it('turns HTTP 500 into a retryable model error, after exactly one request', async () => {
    server.enqueue({ status: 500, errorMessage: 'upstream exploded' });
    const { events, error } = await collect(runner(), { history: [], message: 'hi' });

    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(AgentModelError);
    expect(error).toMatchObject({ retryable: true, status: 500 });
    expect(error?.message).toContain('upstream exploded');
    expect(server.requests).toHaveLength(1); // no retry by the client (maxRetries 0)
  });

  it('turns HTTP 400 into a model error that is not retryable', async () => {
    server.enqueue({ status: 400, errorMessage: 'bad model' });
    const { error } = await collect(runner(), { history: [], message: 'hi' });
    expect(error).toMatchObject({ retryable: false, status: 400 });
    expect(server.requests).toHaveLength(1);
  });

  it('times out a stalled stream after timeoutMs, having yielded the partial text first', async () => {
    server.enqueue({ steps: [{ text: 'Partial ' }, { text: 'answer' }, { stall: true }] });
    const started = performance.now();
    const { events, error } = await collect(runner({ timeoutMs: 300 }), {
      history: [],
      message: 'hi',
    });
    const elapsed = performance.now() - started;

    expect(text(events)).toEqual(['Partial ', 'answer']);
    expect(error).toBeInstanceOf(AgentTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 300, partial: { text: 'Partial answer' } });
    expect(elapsed).toBeGreaterThanOrEqual(295);
    expect(elapsed).toBeLessThan(1500);
    await waitFor(() => server.requests[0].closedByClient);
  });

  it('times out a server that does not even send its headers', async () => {
    server.enqueue({ headersDelayMs: 1000, steps: [{ text: 'late' }] });
    const { events, error } = await collect(runner({ timeoutMs: 200 }), {
      history: [],
      message: 'hi',
    });
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(AgentTimeoutError);
  });

  it('cancels the HTTP stream when the run is cancelled', async () => {
    server.enqueue({ steps: [{ text: 'Thinking ' }, { stall: true }] });
    const controller = new AbortController();
    const events: AgentEvent[] = [];
    let error: unknown;
    try {
      for await (const event of runner().run({
        history: [],
        message: 'hi',
        signal: controller.signal,
      })) {
        events.push(event);
        controller.abort();
      }
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(AgentCancelledError);
    expect(text(events)).toEqual(['Thinking ']);
    await waitFor(() => server.requests[0].closedByClient);
  });

  it('sends the stored history, tool calls included, in the Chat Completions format', async () => {
    server.enqueue(textResponse('ok'));
    await collect(runner(), {
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
    expect(server.requests[0].body.messages?.map((m) => m.role)).toEqual([
      'system',
      'user',
      'assistant',
      'tool',
      'assistant',
      'user',
    ]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
