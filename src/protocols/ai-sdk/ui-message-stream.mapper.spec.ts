import type { RunEvent } from '../../runs/run-event.types';
import { runEventFixture } from '../testing/run-events.fixture';
import {
  endUiMessageStream,
  toUiMessageChunks,
  UI_MESSAGE_STREAM_START,
  uiMessageStreamEncoder,
} from './ui-message-stream.mapper';

const RUN = 'run-1';
const run = runEventFixture(RUN);

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
  beforeEach(() => run.reset());

  it('opens the message (id = run id) and one text part, and finishes with the stored message id', () => {
    expect(mapAll([run.chunk('Hello'), run.chunk(' world'), run.complete()])).toEqual([
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
      run.chunk('Let me compute.'),
      run.toolCall('call-1', 'calculator', { a: 1 }),
      run.toolResult('call-1', 'calculator', '84'),
      run.chunk('The result is 84.'),
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
    expect(
      mapAll([run.toolResult('call-1', 'calculator', 'division by zero', true)]).at(-1),
    ).toEqual({ type: 'tool-output-error', toolCallId: 'call-1', errorText: 'division by zero' });
  });

  it('ends a failed run with error and finish (error), closing the open text', () => {
    const error = run.error('llm_error', 'The model failed.');
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

  it('asks for approval of a paused tool call, and ends the paused stream with finish (tool-calls)', () => {
    const paused = toUiMessageChunks(run.approval('c', 'x'), {
      started: true,
      afterTools: false,
    });
    expect(paused.chunks).toEqual([
      { type: 'tool-approval-request', approvalId: 'c', toolCallId: 'c' },
    ]);
    expect(endUiMessageStream(paused.state)).toEqual([
      { type: 'finish-step' },
      { type: 'finish', finishReason: 'tool-calls' },
    ]);
    expect(endUiMessageStream(UI_MESSAGE_STREAM_START)).toEqual([]);
  });

  it('maps a cancelled run to finish reason other', () => {
    expect(mapAll([run.complete('cancelled')]).at(-1)).toMatchObject({
      type: 'finish',
      finishReason: 'other',
    });
  });
});

describe('uiMessageStreamEncoder', () => {
  beforeEach(() => run.reset());

  it('frames each chunk as an SSE data block and ends the stream with [DONE]', () => {
    const encoder = uiMessageStreamEncoder();
    expect(encoder.encode(run.chunk('Hi'))).toBe(
      'data: {"type":"start","messageId":"run-1"}\n\n' +
        'data: {"type":"start-step"}\n\n' +
        'data: {"type":"text-start","id":"text-1"}\n\n' +
        'data: {"type":"text-delta","id":"text-1","delta":"Hi"}\n\n',
    );
    expect(encoder.encode(run.complete()).endsWith('\n\ndata: [DONE]\n\n')).toBe(true);
    expect(encoder.end?.()).toBe('');
  });

  it('closes a stream that paused for approval with finish and [DONE]', () => {
    const encoder = uiMessageStreamEncoder();
    encoder.encode(run.toolCall('c', 'set_reminder'));
    encoder.encode(run.approval('c', 'set_reminder'));
    expect(encoder.end?.()).toBe(
      'data: {"type":"finish-step"}\n\n' +
        'data: {"type":"finish","finishReason":"tool-calls"}\n\n' +
        'data: [DONE]\n\n',
    );
  });
});
