/** Fields every event of a run carries (see the contract, "The stream"). */
interface RunEventBase {
  run_id: string;
  seq: number;
}

/** A piece of the assistant's text. */
export interface MessageChunkRunEvent extends RunEventBase {
  type: 'message_chunk';
  content: string;
  tokens: number;
}

/** The agent called a tool. */
export interface ToolCallRunEvent extends RunEventBase {
  type: 'tool_call';
  tool_name: string;
  tool_call_id: string;
  args: Record<string, unknown>;
}

/** A tool answered (or failed, `is_error`). */
export interface ToolResultRunEvent extends RunEventBase {
  type: 'tool_result';
  tool_name: string;
  tool_call_id: string;
  result: string;
  is_error: boolean;
}

/**
 * The run paused before a tool call that needs a person's decision: the stream ends after the
 * run's `approval_required` events, and `POST .../runs/{run_id}/approvals` continues the run.
 */
export interface ApprovalRequiredRunEvent extends RunEventBase {
  type: 'approval_required';
  tool_call_id: string;
  tool_name: string;
  args: Record<string, unknown>;
}

/**
 * The conversation was named after its first answer (it had no title); sent before the run's
 * `complete_state`, and only once the title is stored.
 */
export interface TitleRunEvent extends RunEventBase {
  type: 'title';
  title: string;
}

/** Why a run stopped with a `complete_state`. */
export type RunFinishReason = 'stop' | 'cancelled' | 'timeout' | 'length';

/** The run ended with an answer (whole, or partial when cancelled or timed out). */
export interface CompleteStateRunEvent extends RunEventBase {
  type: 'complete_state';
  message: string;
  message_id: string;
  conversation_id: string;
  total_tokens: number;
  usage: { input_tokens: number; output_tokens: number; estimated?: boolean };
  finish_reason: RunFinishReason;
  degraded: boolean;
  duration_ms: number;
}

/** The run failed. */
export interface ErrorRunEvent extends RunEventBase {
  type: 'error';
  code: string;
  message: string;
  retryable: boolean;
  retry_after_ms?: number;
}

/** Every event a run emits; the last one is always a `complete_state` or an `error`. */
export type RunEvent =
  | MessageChunkRunEvent
  | ToolCallRunEvent
  | ToolResultRunEvent
  | ApprovalRequiredRunEvent
  | TitleRunEvent
  | CompleteStateRunEvent
  | ErrorRunEvent;

/** The two event types that end a run. */
export type TerminalRunEvent = CompleteStateRunEvent | ErrorRunEvent;

/** An event before it is numbered. */
export type UnnumberedRunEvent = RunEvent extends infer E
  ? E extends RunEvent
    ? Omit<E, 'run_id' | 'seq'>
    : never
  : never;

/** A terminal event before it is numbered. */
export type UnnumberedTerminalEvent = Extract<
  UnnumberedRunEvent,
  { type: 'complete_state' | 'error' }
>;

/** How a run whose process died ends (stored by whichever instance notices). */
export const RUN_ABANDONED = {
  code: 'run_abandoned',
  message: 'The server running this answer stopped; send the message again.',
  retryable: true,
} as const satisfies Omit<ErrorRunEvent, 'type' | 'run_id' | 'seq'>;

/** Whether the event ends its run. */
export function isTerminal(event: RunEvent): event is TerminalRunEvent {
  return event.type === 'complete_state' || event.type === 'error';
}
