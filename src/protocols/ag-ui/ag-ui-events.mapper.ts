import {
  type CustomEvent,
  EventType,
  type RunErrorEvent,
  type RunFinishedEvent,
  type RunStartedEvent,
  type TextMessageContentEvent,
  type TextMessageEndEvent,
  type TextMessageStartEvent,
  type ToolCallArgsEvent,
  type ToolCallEndEvent,
  type ToolCallResultEvent,
  type ToolCallStartEvent,
} from '@ag-ui/core';
import { EventEncoder } from '@ag-ui/encoder';
import type { RunEvent } from '../../runs/run-event.types';
import type { ProtocolEncoder } from '../../runs/run-stream.responder';

/** The AG-UI events this adapter sends. */
export type AgUiEvent =
  | RunStartedEvent
  | CustomEvent
  | TextMessageStartEvent
  | TextMessageContentEvent
  | TextMessageEndEvent
  | ToolCallStartEvent
  | ToolCallArgsEvent
  | ToolCallEndEvent
  | ToolCallResultEvent
  | RunFinishedEvent
  | RunErrorEvent;

/** The ids the client gave the run (`RunAgentInput`), which every run-scoped event repeats. */
export interface AgUiRunIds {
  /** Our conversation id. */
  readonly threadId: string;
  /** The client's id of the run (ours is in `RUN_STARTED.metadata.run_id`). */
  readonly runId: string;
}

/** Where an AG-UI stream stands between two run events. */
export interface AgUiStreamState {
  /** `RUN_STARTED` went out. */
  readonly started: boolean;
  /** The text message being streamed, until a tool call or the end closes it. */
  readonly textMessageId?: string;
  /** Tool calls waiting for approval: the run paused, and no terminal run event will come. */
  readonly awaitingApproval?: readonly string[];
}

/** The state of a stream that has sent nothing yet. */
export const AG_UI_STREAM_START: AgUiStreamState = { started: false };

/** What one run event becomes in AG-UI. */
export interface AgUiStreamStep {
  readonly events: AgUiEvent[];
  readonly state: AgUiStreamState;
}

/**
 * Maps one of our run events to AG-UI events: `RUN_STARTED` first; the assistant's text as
 * `TEXT_MESSAGE_START`/`CONTENT`/`END` (a new message after each tool call); a tool call as
 * `TOOL_CALL_START`/`ARGS` (the arguments as one JSON delta)/`END`, its result as
 * `TOOL_CALL_RESULT`; the end as `RUN_FINISHED` (result: the stored message's id, usage) or
 * `RUN_ERROR`. Ids are derived from our run id and seq, so a replay names the same messages.
 * Pure: the state goes in and out.
 */
export function toAgUiEvents(
  event: RunEvent,
  ids: AgUiRunIds,
  state: AgUiStreamState,
): AgUiStreamStep {
  const events: AgUiEvent[] = [];
  let textMessageId = state.textMessageId;
  let awaitingApproval = state.awaitingApproval;
  if (!state.started) {
    events.push({
      type: EventType.RUN_STARTED,
      threadId: ids.threadId,
      runId: ids.runId,
      metadata: { run_id: event.run_id },
    });
  }
  const closeText = () => {
    if (textMessageId !== undefined) {
      events.push({ type: EventType.TEXT_MESSAGE_END, messageId: textMessageId });
    }
    textMessageId = undefined;
  };
  switch (event.type) {
    case 'message_chunk':
      if (textMessageId === undefined) {
        textMessageId = `${event.run_id}:${event.seq}`;
        events.push({
          type: EventType.TEXT_MESSAGE_START,
          messageId: textMessageId,
          role: 'assistant',
        });
      }
      events.push({
        type: EventType.TEXT_MESSAGE_CONTENT,
        messageId: textMessageId,
        delta: event.content,
      });
      break;
    case 'tool_call':
      closeText();
      events.push(
        {
          type: EventType.TOOL_CALL_START,
          toolCallId: event.tool_call_id,
          toolCallName: event.tool_name,
        },
        {
          type: EventType.TOOL_CALL_ARGS,
          toolCallId: event.tool_call_id,
          delta: JSON.stringify(event.args),
        },
        { type: EventType.TOOL_CALL_END, toolCallId: event.tool_call_id },
      );
      break;
    case 'tool_result':
      closeText();
      events.push({
        type: EventType.TOOL_CALL_RESULT,
        messageId: `${event.run_id}:${event.seq}`,
        toolCallId: event.tool_call_id,
        content: event.result,
        role: 'tool',
        ...(event.is_error && { metadata: { is_error: true } }),
      });
      break;
    case 'approval_required':
      closeText();
      // AG-UI names every pending call in one RUN_FINISHED (interrupt), once the stream ends.
      awaitingApproval = [...(awaitingApproval ?? []), event.tool_call_id];
      break;
    case 'complete_state':
      closeText();
      events.push({
        type: EventType.RUN_FINISHED,
        threadId: ids.threadId,
        runId: ids.runId,
        result: { message_id: event.message_id, finish_reason: event.finish_reason },
        usage: [
          {
            inputTokens: event.usage.input_tokens,
            outputTokens: event.usage.output_tokens,
            totalTokens: event.usage.input_tokens + event.usage.output_tokens,
          },
        ],
      });
      break;
    case 'error':
      closeText();
      events.push({ type: EventType.RUN_ERROR, message: event.message, code: event.code });
      break;
    case 'title':
      // The conversation's new title, for the frontend's thread list.
      events.push({ type: EventType.CUSTOM, name: 'title', value: { title: event.title } });
      break;
    case 'resync_required':
      // The events to resume from are gone: the frontend reloads the messages.
      closeText();
      events.push({ type: EventType.RUN_ERROR, message: event.message, code: 'resync_required' });
      break;
  }
  return { events, state: { started: true, textMessageId, awaitingApproval } };
}

/**
 * The events that end a stream whose run paused for approval (no terminal event came):
 * `RUN_FINISHED` with an `interrupt` outcome, one interrupt per pending tool call (its id is the
 * tool call id; decide with `POST .../runs/{run_id}/approvals`). None for a stream that ended
 * otherwise.
 */
export function endAgUiStream(ids: AgUiRunIds, state: AgUiStreamState): AgUiEvent[] {
  if (!state.awaitingApproval?.length) return [];
  return [
    {
      type: EventType.RUN_FINISHED,
      threadId: ids.threadId,
      runId: ids.runId,
      outcome: {
        type: 'interrupt',
        interrupts: state.awaitingApproval.map((id) => ({
          id,
          reason: 'tool_approval',
          toolCallId: id,
        })),
      },
    },
  ];
}

/** An encoder for one run's stream: each run event as AG-UI events in SSE (`@ag-ui/encoder`). */
export function agUiStreamEncoder(ids: AgUiRunIds): ProtocolEncoder {
  const encoder = new EventEncoder();
  const frame = (events: AgUiEvent[]) => events.map((e) => encoder.encodeSSE(e)).join('');
  let state = AG_UI_STREAM_START;
  return {
    encode: (event) => {
      const step = toAgUiEvents(event, ids, state);
      state = step.state;
      return frame(step.events);
    },
    end: () => frame(endAgUiStream(ids, state)),
  };
}
