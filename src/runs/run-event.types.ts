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

/** Why a client must reload instead of resuming. */
export type ResyncReason = 'events_expired' | 'run_unknown';

/**
 * Not an event of the run: sent instead of a replay when the events a client would resume from
 * are gone (retention deleted them, or its position names a run it cannot see). The client should
 * reload the conversation's messages; `run_id:seq` is where to resume from afterwards. Never
 * stored.
 */
export interface ResyncRequiredRunEvent extends RunEventBase {
  type: 'resync_required';
  reason: ResyncReason;
  message: string;
}

/**
 * Every event a run emits; the last one is always a `complete_state` or an `error` (a run paused
 * for approval has `approval_required` events last until it goes on).
 */
export type RunEvent =
  | MessageChunkRunEvent
  | ToolCallRunEvent
  | ToolResultRunEvent
  | ApprovalRequiredRunEvent
  | TitleRunEvent
  | CompleteStateRunEvent
  | ErrorRunEvent
  | ResyncRequiredRunEvent;

/** The two event types that end a run. */
export type TerminalRunEvent = CompleteStateRunEvent | ErrorRunEvent;

/** A run that stopped, for now, to wait for decisions on these tool calls. */
export interface PausedRun {
  type: 'paused';
  run_id: string;
  approvals: PendingApproval[];
}

/** A tool call waiting for a decision. */
export type PendingApproval = Pick<ApprovalRequiredRunEvent, 'tool_call_id' | 'tool_name' | 'args'>;

/** Where a run stands when its execution in a process settles: ended, or paused for approval. */
export type RunSettlement = TerminalRunEvent | PausedRun;

/** How a paused run ends when nobody decided in time (`RUNS_APPROVAL_TIMEOUT_MS`). */
export const APPROVAL_EXPIRED = {
  code: 'approval_expired',
  message: 'Nobody decided on the pending tool calls in time; send the message again.',
  retryable: true,
} as const satisfies Omit<ErrorRunEvent, 'type' | 'run_id' | 'seq'>;

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
