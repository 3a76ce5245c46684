import { AIMessage, AIMessageChunk, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { providerFinishReason, RunEventMapper } from './run-event.mapper';
import { USAGE_ESTIMATED_KEY, UsageTotal } from './run-usage';
import { countTokens } from './tokenizer';

const input = [new HumanMessage({ id: 'h', content: 'what is 2+2' })];
const callMessage = new AIMessage({
  id: 'm1',
  content: '',
  tool_calls: [{ id: 'c1', name: 'calculator', args: { expression: '2+2' } }],
  usage_metadata: { input_tokens: 50, output_tokens: 10, total_tokens: 60 },
});
const result = new ToolMessage({ id: 't1', content: '4', tool_call_id: 'c1', name: 'calculator' });
const answer = new AIMessage({
  id: 'm2',
  content: 'It is 4.',
  usage_metadata: { input_tokens: 70, output_tokens: 5, total_tokens: 75 },
  response_metadata: { finish_reason: 'stop' },
});

describe('RunEventMapper', () => {
  it('turns token chunks into message_chunk events with their token counts', () => {
    const mapper = new RunEventMapper(1);
    const chunk = new AIMessageChunk({ id: 'm2', content: 'It is ' });
    expect(mapper.fromMessagesMode([chunk, { langgraph_node: 'model_request' }])).toEqual([
      { type: 'message_chunk', content: 'It is ', tokens: countTokens('It is ') },
    ]);
    expect(mapper.fromMessagesMode([new AIMessageChunk({ content: '' }), {}])).toEqual([]);
    expect(mapper.fromMessagesMode([result, {}])).toEqual([]);
    expect(mapper.fromMessagesMode('garbage')).toEqual([]);
    expect(mapper.partial().text).toBe('It is ');
  });

  it('emits tool calls and results from the new messages of each state, once', () => {
    const mapper = new RunEventMapper(1);
    expect(mapper.fromValuesMode({ messages: input })).toEqual([]);
    expect(mapper.fromValuesMode({ messages: [...input, callMessage] })).toEqual([
      {
        type: 'tool_call',
        tool_name: 'calculator',
        tool_call_id: 'c1',
        args: { expression: '2+2' },
      },
    ]);
    // The same state again (a middleware step) adds nothing.
    expect(mapper.fromValuesMode({ messages: [...input, callMessage] })).toEqual([]);
    expect(mapper.fromValuesMode({ messages: [...input, callMessage, result] })).toEqual([
      {
        type: 'tool_result',
        tool_name: 'calculator',
        tool_call_id: 'c1',
        result: '4',
        is_error: false,
      },
    ]);
    expect(mapper.fromValuesMode({ nothing: true })).toEqual([]);
  });

  it('does not repeat text that was streamed, but emits text that never was', () => {
    const streamed = new RunEventMapper(1);
    streamed.fromMessagesMode([new AIMessageChunk({ id: 'm2', content: 'It is 4.' }), {}]);
    expect(streamed.fromValuesMode({ messages: [...input, answer] })).toEqual([]);

    const silent = new RunEventMapper(1);
    expect(silent.fromValuesMode({ messages: [...input, answer] })).toEqual([
      { type: 'message_chunk', content: 'It is 4.', tokens: countTokens('It is 4.') },
    ]);
    expect(silent.result().text).toBe('It is 4.');
  });

  it('summarizes the messages to store, the usage of every call and the finish reason', () => {
    const mapper = new RunEventMapper(1);
    mapper.fromMessagesMode([new AIMessageChunk({ id: 'm2', content: 'It is 4.' }), {}]);
    mapper.fromValuesMode({ messages: [...input, callMessage, result, answer] });

    expect(mapper.result()).toEqual({
      text: 'It is 4.',
      messages: [
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ id: 'c1', name: 'calculator', args: { expression: '2+2' } }],
          tokens: 10,
        },
        {
          role: 'tool',
          content: '4',
          tool_call_id: 'c1',
          tool_name: 'calculator',
          is_error: false,
          tokens: 1,
        },
        { role: 'assistant', content: 'It is 4.', tokens: 5 },
      ],
      usage: { input_tokens: 120, output_tokens: 15, estimated: false },
      finish_reason: 'stop',
    });
  });

  it('finishes with "length" when the loop ended on tool results or a limit was hit', () => {
    const onResults = new RunEventMapper(1);
    onResults.fromValuesMode({ messages: [...input, callMessage, result] });
    expect(onResults.result().finish_reason).toBe('length');
    expect(new RunEventMapper(1).result(true).finish_reason).toBe('length');
    expect(new RunEventMapper(1).result().finish_reason).toBe('stop');
  });

  it('takes "length" and "content_filter" from the provider', () => {
    const cut = new AIMessage({
      content: 'Once upon',
      response_metadata: { finish_reason: 'length' },
    });
    const mapper = new RunEventMapper(1);
    mapper.fromValuesMode({ messages: [...input, cut] });
    expect(mapper.result().finish_reason).toBe('length');
  });
});

describe('providerFinishReason', () => {
  it.each([
    [{ response_metadata: { finish_reason: 'stop' } }, 'stop'],
    [{ response_metadata: { finish_reason: 'tool_calls' } }, 'stop'],
    [{ response_metadata: { finish_reason: 'length' } }, 'length'],
    [{ response_metadata: { stop_reason: 'max_tokens' } }, 'length'],
    [{ additional_kwargs: { stop_reason: 'max_tokens' } }, 'length'],
    [{ response_metadata: { stop_reason: 'end_turn' } }, 'stop'],
    [{ response_metadata: { done_reason: 'length' } }, 'length'],
    [{ response_metadata: { finish_reason: 'content_filter' } }, 'content_filter'],
    [{ additional_kwargs: { stop_reason: 'refusal' } }, 'content_filter'],
    [{ response_metadata: {} }, 'stop'],
    [{}, 'stop'],
  ])('maps %j to %s', (message, reason) => {
    expect(providerFinishReason(message)).toBe(reason);
  });
});

describe('UsageTotal', () => {
  it('adds reported usage and stays exact', () => {
    const total = new UsageTotal();
    expect(total.add(callMessage)).toBe(10);
    expect(total.add(answer)).toBe(5);
    expect(total.snapshot()).toEqual({ input_tokens: 120, output_tokens: 15, estimated: false });
  });

  it('becomes estimated when one call was counted by the tokenizer', () => {
    const total = new UsageTotal();
    total.add(answer);
    total.add(
      new AIMessage({
        content: 'hi',
        usage_metadata: { input_tokens: 3, output_tokens: 1, total_tokens: 4 },
        response_metadata: { [USAGE_ESTIMATED_KEY]: true },
      }),
    );
    expect(total.snapshot()).toEqual({ input_tokens: 73, output_tokens: 6, estimated: true });
  });

  it('counts the output of a response that carries no usage at all', () => {
    const total = new UsageTotal();
    expect(total.add(new AIMessage('hello world'))).toBe(2);
    expect(total.snapshot()).toEqual({ input_tokens: 0, output_tokens: 2, estimated: true });
  });
});
