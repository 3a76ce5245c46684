import type { RunEvent } from '../../runs/run-event.types';
import {
  toUiMessageChunks,
  UI_MESSAGE_STREAM_START,
  uiMessageStreamEncoder,
} from './ui-message-stream.mapper';

const RUN = 'run-1';
let seq = 0;
const at = <E extends Omit<RunEvent, 'run_id' | 'seq'>>(event: E) =>
  ({ ...event, run_id: RUN, seq: ++seq }) as unknown as RunEvent;
const chunk = (content: string) => at({ type: 'message_chunk', content, tokens: 1 });
const complete = at({
  type: 'complete_state',
  message: 'The result is 84.',
  message_id: 'm-1',
  conversation_id: 'c-1',
  total_tokens: 9,
  usage: { input_tokens: 5, output_tokens: 4, estimated: true },
  finish_reason: 'stop',
  degraded: false,
  duration_ms: 10,
});

/** Every chunk the events become, in order, from a fresh stream. */
function mapAll(events: RunEvent[]) {
  let state = UI_MESSAGE_STREAM_START;
  return events.flatMap((event) => {
    const step = toUiMessageChunks(event, state);
    state = step.state;
    return step.chunks;
  });
}

describe('toUiMessageChunks', () => {
  beforeEach(() => (seq = 0));

  it('opens the message (id = run id) and one text part, and finishes with the stored message id', () => {
    expect(mapAll([chunk('Hello'), chunk(' world'), complete])).toEqual([
      { type: 'start', messageId: RUN },
      { type: 'start-step' },
      { type: 'text-start', id: 'text-1' },
      { type: 'text-delta', id: 'text-1', delta: 'Hello' },
      { type: 'text-delta', id: 'text-1', delta: ' world' },
      { type: 'text-end', id: 'text-1' },
      { type: 'finish-step' },
      {
        type: 'finish',
        finishReason: 'stop',
        messageMetadata: {
          message_id: 'm-1',
          finish_reason: 'stop',
          usage: { input_tokens: 5, output_tokens: 4, estimated: true },
        },
      },
    ]);
  });

  it('closes the text before a tool call and starts a new step for the text after its result', () => {
    const events = [
      chunk('Let me compute.'),
      at({ type: 'tool_call', tool_name: 'calculator', tool_call_id: 'call-1', args: { a: 1 } }),
      at({
        type: 'tool_result',
        tool_name: 'calculator',
        tool_call_id: 'call-1',
        result: '84',
        is_error: false,
      }),
      chunk('The result is 84.'),
    ];
    expect(mapAll(events).slice(2)).toEqual([
      { type: 'text-start', id: 'text-1' },
      { type: 'text-delta', id: 'text-1', delta: 'Let me compute.' },
      { type: 'text-end', id: 'text-1' },
      {
        type: 'tool-input-available',
        toolCallId: 'call-1',
        toolName: 'calculator',
        input: { a: 1 },
      },
      { type: 'tool-output-available', toolCallId: 'call-1', output: '84' },
      { type: 'finish-step' },
      { type: 'start-step' },
      { type: 'text-start', id: 'text-4' },
      { type: 'text-delta', id: 'text-4', delta: 'The result is 84.' },
    ]);
  });

  it('reports a failed tool as tool-output-error', () => {
    const failed = at({
      type: 'tool_result',
      tool_name: 'calculator',
      tool_call_id: 'call-1',
      result: 'division by zero',
      is_error: true,
    });
    expect(mapAll([failed]).at(-1)).toEqual({
      type: 'tool-output-error',
      toolCallId: 'call-1',
      errorText: 'division by zero',
    });
  });

  it('ends a failed run with error and finish (error), closing the open text', () => {
    const error = at({
      type: 'error',
      code: 'llm_error',
      message: 'The model failed.',
      retryable: true,
    });
    const step = toUiMessageChunks(error, { started: true, textId: 'text-1', afterTools: false });
    expect(step).toEqual({
      chunks: [
        { type: 'text-end', id: 'text-1' },
        { type: 'error', errorText: 'The model failed.' },
        { type: 'finish', finishReason: 'error' },
      ],
      state: { started: true, textId: undefined, afterTools: false },
      done: true,
    });
  });

  it('asks for approval of a paused tool call', () => {
    const paused = at({ type: 'approval_required', tool_call_id: 'c', tool_name: 'x', args: {} });
    expect(mapAll([paused]).at(-1)).toEqual({
      type: 'tool-approval-request',
      approvalId: 'c',
      toolCallId: 'c',
    });
  });

  it('maps a cancelled run to finish reason other', () => {
    const cancelled = { ...complete, finish_reason: 'cancelled' } as RunEvent;
    expect(mapAll([cancelled]).at(-1)).toMatchObject({ type: 'finish', finishReason: 'other' });
  });
});

describe('uiMessageStreamEncoder', () => {
  beforeEach(() => (seq = 0));

  it('frames each chunk as an SSE data block and ends the stream with [DONE]', () => {
    const encode = uiMessageStreamEncoder();
    const first = encode(chunk('Hi'));
    expect(first).toBe(
      'data: {"type":"start","messageId":"run-1"}\n\n' +
        'data: {"type":"start-step"}\n\n' +
        'data: {"type":"text-start","id":"text-1"}\n\n' +
        'data: {"type":"text-delta","id":"text-1","delta":"Hi"}\n\n',
    );
    expect(encode(complete).endsWith('\n\ndata: [DONE]\n\n')).toBe(true);
  });
});
