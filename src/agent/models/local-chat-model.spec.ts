import {
  AIMessage,
  type AIMessageChunk,
  HumanMessage,
  ToolMessage,
} from '@langchain/core/messages';
import { createCalculatorTool } from '../tools/calculator.tool';
import { LOCAL_ANSWER_PREAMBLE } from './local-reply.planner';
import { DEFAULT_LOCAL_TOKEN_DELAY_MS, LocalChatModel } from './local-chat-model';

async function collect(stream: AsyncIterable<AIMessageChunk>): Promise<AIMessageChunk[]> {
  const chunks: AIMessageChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('LocalChatModel', () => {
  const question = [new HumanMessage('what is 12 * (3 + 4)?')];

  it('is a development model named "local", pausing 15 ms between words by default', () => {
    const model = new LocalChatModel();
    expect(model._llmType()).toBe('local');
    expect(LocalChatModel.lc_name()).toBe('LocalChatModel');
    expect(model.tokenDelayMs).toBe(DEFAULT_LOCAL_TOKEN_DELAY_MS);
    expect(DEFAULT_LOCAL_TOKEN_DELAY_MS).toBe(15);
  });

  it('streams a deterministic answer word by word', async () => {
    const model = new LocalChatModel({ tokenDelayMs: 0 });
    const first = await collect(await model.stream([new HumanMessage('tell me a story')]));
    const second = await collect(await model.stream([new HumanMessage('tell me a story')]));

    const words = first.map((c) => c.text).filter(Boolean);
    expect(words).toEqual([...`${LOCAL_ANSWER_PREAMBLE} tell me a story`.match(/\S+\s*/g)!]);
    expect(second.map((c) => c.text)).toEqual(first.map((c) => c.text));
    expect(first.at(-1)?.response_metadata).toMatchObject({ finish_reason: 'stop' });
  });

  it('makes the answer longer when the input is longer', async () => {
    const model = new LocalChatModel({ tokenDelayMs: 0 });
    const short = await model.invoke([new HumanMessage('one two')]);
    const long = await model.invoke([new HumanMessage('one two '.repeat(200))]);
    expect(long.text.split(' ').length).toBeGreaterThan(short.text.split(' ').length + 300);
  });

  it('waits tokenDelayMs between words', async () => {
    const model = new LocalChatModel({ tokenDelayMs: 25 });
    const started = performance.now();
    await model.invoke([new HumanMessage('a b c')]); // preamble (8 words) + 3 words: 10 pauses
    expect(performance.now() - started).toBeGreaterThanOrEqual(10 * 25 - 5);
  });

  it('reports each word to the callbacks and no token usage', async () => {
    const model = new LocalChatModel({ tokenDelayMs: 0 });
    const tokens: string[] = [];
    const answer = await model.invoke([new HumanMessage('hi')], {
      callbacks: [{ handleLLMNewToken: (token: string) => void tokens.push(token) }],
    });
    expect(tokens.join('')).toBe(`${LOCAL_ANSWER_PREAMBLE} hi`);
    expect(answer.text).toBe(`${LOCAL_ANSWER_PREAMBLE} hi`);
    expect(answer.usage_metadata).toBeUndefined();
  });

  it('calls a bound tool, streaming its arguments in pieces that add up', async () => {
    const model = new LocalChatModel({ tokenDelayMs: 0 }).bindTools([createCalculatorTool()]);
    const chunks = await collect(await model.stream(question));

    const pieces = chunks.flatMap((c) => c.tool_call_chunks ?? []);
    expect(pieces).toHaveLength(2);
    expect(pieces.map((p) => p.args).join('')).toBe('{"expression":"12 * (3 + 4)"}');
    const whole = chunks.reduce((sum, chunk) => sum.concat(chunk));
    expect(whole.tool_calls).toEqual([
      expect.objectContaining({
        name: 'calculator',
        args: { expression: '12 * (3 + 4)' },
        id: expect.stringMatching(/^call_local_[0-9a-f]{16}$/),
      }),
    ]);
    expect(whole.response_metadata).toMatchObject({ finish_reason: 'tool_calls' });
  });

  it('gives the same call the same id, and another conversation another id', async () => {
    const model = new LocalChatModel({ tokenDelayMs: 0 }).bindTools([createCalculatorTool()]);
    const a = await model.invoke(question);
    const b = await model.invoke(question);
    const c = await model.invoke([new HumanMessage('hi'), new AIMessage('hello'), ...question]);
    expect(a.tool_calls?.[0].id).toBe(b.tool_calls?.[0].id);
    expect(c.tool_calls?.[0].id).not.toBe(a.tool_calls?.[0].id);
  });

  it('answers from the tool result once it is in', async () => {
    const model = new LocalChatModel({ tokenDelayMs: 0 }).bindTools([createCalculatorTool()]);
    const call = await model.invoke(question);
    const answer = await model.invoke([
      ...question,
      call,
      new ToolMessage({ content: '84', tool_call_id: call.tool_calls![0].id!, name: 'calculator' }),
    ]);
    expect(answer.text).toBe('The result is 84.');
    expect(answer.tool_calls).toEqual([]);
  });

  it('stops within a few ms of an abort, even in the middle of a pause', async () => {
    const model = new LocalChatModel({ tokenDelayMs: 10_000 });
    const controller = new AbortController();
    const call = model.invoke([new HumanMessage('hi')], { signal: controller.signal });
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = performance.now();
      controller.abort(new Error('user cancelled'));
    }, 20);
    await expect(call).rejects.toThrow('user cancelled');
    // Far sooner than the 10 s pause would end; generous for a busy machine.
    expect(performance.now() - abortedAt).toBeLessThan(2000);
  });

  it('throws the abort reason while streaming', async () => {
    const model = new LocalChatModel({ tokenDelayMs: 10_000 });
    const controller = new AbortController();
    const reason = new Error('deadline');
    const stream = await model.stream([new HumanMessage('hi')], { signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.text).toBe('This ');
    setTimeout(() => controller.abort(reason), 10);
    await expect(iterator.next()).rejects.toBe(reason);
  });

  it('does not start when the signal is already aborted', async () => {
    const model = new LocalChatModel({ tokenDelayMs: 0 });
    const reason = new Error('too late');
    await expect(model.invoke(question, { signal: AbortSignal.abort(reason) })).rejects.toThrow(
      'too late',
    );
  });
});
