import type { UIMessageChunk } from 'ai';
import type { RunEvent, RunFinishReason } from '../../runs/run-event.types';
import type { ProtocolEncoder } from '../../runs/run-stream.responder';

/** Where a UI message stream stands between two run events. */
export interface UiMessageStreamState {
  /** `start` (and the first `start-step`) went out. */
  readonly started: boolean;
  /** Id of the text part being streamed, until a tool call or the end closes it. */
  readonly textId?: string;
  /** Tool results came since the step began: the next text is the model's next step. */
  readonly afterTools: boolean;
  /** A tool call waits for approval: the run pauses, and no terminal run event will come. */
  readonly awaitingApproval?: boolean;
}

/** The state of a stream that has sent nothing yet. */
export const UI_MESSAGE_STREAM_START: UiMessageStreamState = { started: false, afterTools: false };

/** What one run event becomes in the UI message stream. */
export interface UiMessageStreamStep {
  readonly chunks: UIMessageChunk[];
  readonly state: UiMessageStreamState;
  /** The run's last event: the stream ends (`data: [DONE]`). */
  readonly done: boolean;
}

const FINISH_REASONS: Record<RunFinishReason, 'stop' | 'length' | 'other'> = {
  stop: 'stop',
  length: 'length',
  cancelled: 'other',
  timeout: 'other',
};

/**
 * Maps one of our run events to the chunks of the AI SDK's UI message stream (`ai` 6), the
 * protocol `useChat` reads: one assistant message per run, whose id is the run id, so that a
 * replay (resume) names the same message. Text between tool calls is one text part each; a tool
 * call is `tool-input-available`, its result `tool-output-available` (or `-error`); text after
 * tool results opens a new step, as the SDK's own server does. Pure: the state goes in and out.
 */
export function toUiMessageChunks(
  event: RunEvent,
  state: UiMessageStreamState,
): UiMessageStreamStep {
  const chunks: UIMessageChunk[] = [];
  let { textId, afterTools, awaitingApproval } = state;
  if (!state.started)
    chunks.push({ type: 'start', messageId: event.run_id }, { type: 'start-step' });
  const closeText = () => {
    if (textId !== undefined) chunks.push({ type: 'text-end', id: textId });
    textId = undefined;
  };
  let done = false;
  switch (event.type) {
    case 'message_chunk':
      if (afterTools) {
        chunks.push({ type: 'finish-step' }, { type: 'start-step' });
        afterTools = false;
      }
      if (textId === undefined) {
        textId = `text-${event.seq}`;
        chunks.push({ type: 'text-start', id: textId });
      }
      chunks.push({ type: 'text-delta', id: textId, delta: event.content });
      break;
    case 'tool_call':
      closeText();
      chunks.push({
        type: 'tool-input-available',
        toolCallId: event.tool_call_id,
        toolName: event.tool_name,
        input: event.args,
      });
      break;
    case 'tool_result':
      closeText();
      chunks.push(
        event.is_error
          ? { type: 'tool-output-error', toolCallId: event.tool_call_id, errorText: event.result }
          : { type: 'tool-output-available', toolCallId: event.tool_call_id, output: event.result },
      );
      afterTools = true;
      break;
    case 'approval_required':
      closeText();
      chunks.push({
        type: 'tool-approval-request',
        approvalId: event.tool_call_id,
        toolCallId: event.tool_call_id,
      });
      awaitingApproval = true;
      break;
    case 'title':
      // The conversation's new title, for the frontend's chat list.
      chunks.push({ type: 'message-metadata', messageMetadata: { title: event.title } });
      break;
    case 'complete_state':
      closeText();
      chunks.push(
        { type: 'finish-step' },
        {
          type: 'finish',
          finishReason: FINISH_REASONS[event.finish_reason],
          // Ours, for the frontend: the stored message's id and what the run cost.
          messageMetadata: {
            message_id: event.message_id,
            finish_reason: event.finish_reason,
            usage: event.usage,
          },
        },
      );
      done = true;
      break;
    case 'error':
    case 'resync_required':
      // A resync means the events to resume from are gone: the frontend reloads the messages.
      closeText();
      chunks.push(
        { type: 'error', errorText: event.message },
        { type: 'finish', finishReason: 'error' },
      );
      done = true;
      break;
  }
  return { chunks, state: { started: true, textId, afterTools, awaitingApproval }, done };
}

/**
 * The chunks that end a stream whose run paused for approval (no terminal event came): the step
 * and the message finish with `tool-calls`, as the SDK's own server does when a call needs
 * approval. None for a stream that ended otherwise.
 */
export function endUiMessageStream(state: UiMessageStreamState): UIMessageChunk[] {
  if (!state.awaitingApproval) return [];
  return [{ type: 'finish-step' }, { type: 'finish', finishReason: 'tool-calls' }];
}

/** The header by which the AI SDK knows a UI message stream. */
export const UI_MESSAGE_STREAM_HEADERS = { 'x-vercel-ai-ui-message-stream': 'v1' } as const;

/**
 * An encoder for one stream: each run event as SSE `data: <chunk JSON>` blocks, and the stream's
 * end as `data: [DONE]`, the framing the SDK's `DefaultChatTransport` parses.
 */
export function uiMessageStreamEncoder(): ProtocolEncoder {
  let state = UI_MESSAGE_STREAM_START;
  const frame = (chunks: UIMessageChunk[], done: boolean) => {
    let sse = '';
    for (const chunk of chunks) sse += `data: ${JSON.stringify(chunk)}\n\n`;
    return done ? `${sse}data: [DONE]\n\n` : sse;
  };
  return {
    encode: (event) => {
      const step = toUiMessageChunks(event, state);
      state = step.state;
      return frame(step.chunks, step.done);
    },
    end: () => {
      const chunks = endUiMessageStream(state);
      return chunks.length > 0 ? frame(chunks, true) : '';
    },
  };
}
