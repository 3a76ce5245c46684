import { verifyEvents } from '@ag-ui/client';
import { EventType } from '@ag-ui/core';
import { from } from 'rxjs';
import { EventSchemas } from '@ag-ui/core/schemas';
import type { RunEvent } from '../../runs/run-event.types';
import { runEventFixture } from '../testing/run-events.fixture';
import {
  AG_UI_STREAM_START,
  type AgUiEvent,
  endAgUiStream,
  agUiStreamEncoder,
  toAgUiEvents,
} from './ag-ui-events.mapper';

const RUN = 'run-1';
const IDS = { threadId: 'thread-1', runId: 'client-run-1' };
const run = runEventFixture(RUN);

function mapAll(events: RunEvent[]): AgUiEvent[] {
  let state = AG_UI_STREAM_START;
  return events.flatMap((event) => {
    const step = toAgUiEvents(event, IDS, state);
    state = step.state;
    return step.events;
  });
}

describe('toAgUiEvents', () => {
  beforeEach(() => run.reset());

  it('starts the run with the client ids, streams one text message and finishes with the stored id', () => {
    expect(mapAll([run.chunk('Hello'), run.chunk(' world'), run.complete()])).toEqual([
      { type: EventType.RUN_STARTED, ...IDS, metadata: { run_id: RUN } },
      { type: EventType.TEXT_MESSAGE_START, messageId: `${RUN}:1`, role: 'assistant' },
      { type: EventType.TEXT_MESSAGE_CONTENT, messageId: `${RUN}:1`, delta: 'Hello' },
      { type: EventType.TEXT_MESSAGE_CONTENT, messageId: `${RUN}:1`, delta: ' world' },
      { type: EventType.TEXT_MESSAGE_END, messageId: `${RUN}:1` },
      {
        type: EventType.RUN_FINISHED,
        ...IDS,
        result: { message_id: 'm-1', finish_reason: 'stop' },
        usage: [{ inputTokens: 5, outputTokens: 4, totalTokens: 9 }],
      },
    ]);
  });

  it('tells a tool call in start/args/end, then its result, closing the text before it', () => {
    const events = mapAll([
      run.chunk('Let me compute.'),
      run.toolCall('call-1', 'calculator', { a: 1 }),
      run.toolResult('call-1', 'calculator', '84'),
      run.chunk('84.'),
    ]);
    expect(events.map((event) => event.type)).toEqual([
      EventType.RUN_STARTED,
      EventType.TEXT_MESSAGE_START,
      EventType.TEXT_MESSAGE_CONTENT,
      EventType.TEXT_MESSAGE_END,
      EventType.TOOL_CALL_START,
      EventType.TOOL_CALL_ARGS,
      EventType.TOOL_CALL_END,
      EventType.TOOL_CALL_RESULT,
      EventType.TEXT_MESSAGE_START,
      EventType.TEXT_MESSAGE_CONTENT,
    ]);
    expect(events.slice(4, 8)).toEqual([
      { type: EventType.TOOL_CALL_START, toolCallId: 'call-1', toolCallName: 'calculator' },
      { type: EventType.TOOL_CALL_ARGS, toolCallId: 'call-1', delta: '{"a":1}' },
      { type: EventType.TOOL_CALL_END, toolCallId: 'call-1' },
      {
        type: EventType.TOOL_CALL_RESULT,
        messageId: `${RUN}:3`,
        toolCallId: 'call-1',
        content: '84',
        role: 'tool',
      },
    ]);
    expect(events[8]).toMatchObject({ messageId: `${RUN}:4` });
  });

  it('ends a failed run with RUN_ERROR after closing the open text', () => {
    const error = run.error('llm_error', 'The model failed.');
    expect(toAgUiEvents(error, IDS, { started: true, textMessageId: 't' })).toEqual({
      events: [
        { type: EventType.TEXT_MESSAGE_END, messageId: 't' },
        { type: EventType.RUN_ERROR, message: 'The model failed.', code: 'llm_error' },
      ],
      state: { started: true, textMessageId: undefined },
    });
  });

  it('marks a failed tool result', () => {
    expect(mapAll([run.toolResult('c', 'x', 'boom', true)])[1]).toMatchObject({
      type: EventType.TOOL_CALL_RESULT,
      metadata: { is_error: true },
    });
  });

  it('ends a stream that paused for approval with RUN_FINISHED naming each pending call as an interrupt', async () => {
    let state = AG_UI_STREAM_START;
    const events: AgUiEvent[] = [];
    for (const event of [
      run.toolCall('c1', 'set_reminder', { text: 'a' }),
      run.approval('c1', 'set_reminder'),
      run.toolCall('c2', 'set_reminder', { text: 'b' }),
      run.approval('c2', 'set_reminder'),
    ]) {
      const step = toAgUiEvents(event, IDS, state);
      state = step.state;
      events.push(...step.events);
    }
    const end = endAgUiStream(IDS, state);
    expect(end).toEqual([
      {
        type: EventType.RUN_FINISHED,
        ...IDS,
        outcome: {
          type: 'interrupt',
          interrupts: [
            { id: 'c1', reason: 'tool_approval', toolCallId: 'c1' },
            { id: 'c2', reason: 'tool_approval', toolCallId: 'c2' },
          ],
        },
      },
    ]);
    expect(endAgUiStream(IDS, AG_UI_STREAM_START)).toEqual([]);
    // The client's own verifier accepts the whole paused stream.
    const verified = await new Promise<unknown[]>((resolve, reject) => {
      const seen: unknown[] = [];
      // The client bundles its own rxjs: one Observable handed over, subscribed as a plain one.
      const source = from([...events, ...end]) as unknown as Parameters<
        ReturnType<typeof verifyEvents>
      >[0];
      verifyEvents()(source).subscribe({
        next: (event) => seen.push(event),
        error: reject,
        complete: () => resolve(seen),
      });
    });
    expect(verified).toHaveLength(events.length + 1);
  });

  it('produces only events that @ag-ui/core accepts', () => {
    const events = mapAll([
      run.chunk('a'),
      run.toolCall('c', 'calculator'),
      run.toolResult('c', 'calculator', '1', true),
      run.complete(),
      run.error('x', 'y'),
    ]);
    for (const event of events) expect(EventSchemas.safeParse(event).error).toBeUndefined();
  });
});

describe('agUiStreamEncoder', () => {
  beforeEach(() => run.reset());

  it('writes each AG-UI event as an SSE data block', () => {
    const blocks = agUiStreamEncoder(IDS).encode(run.chunk('Hi')).split('\n\n').filter(Boolean);
    expect(blocks).toHaveLength(3);
    expect(blocks.every((block) => block.startsWith('data: '))).toBe(true);
    expect(JSON.parse(blocks[2].slice(6))).toEqual({
      type: EventType.TEXT_MESSAGE_CONTENT,
      messageId: `${RUN}:1`,
      delta: 'Hi',
    });
  });
});
