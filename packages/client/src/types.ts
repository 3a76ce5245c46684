// The wire types of the server's API (docs/API.md, and the OpenAPI document at /docs-json). Kept
// by hand so the package has no build-time dependency; test/client-package-types.e2e-spec.ts checks
// them against the types openapi-typescript generates from the running server's document.

/** Fields every event of a run carries. */
interface RunEventBase {
  run_id: string;
  /** 1, 2, 3… within the run. */
  seq: number;
}

/** A piece of the assistant's text. */
export interface MessageChunkEvent extends RunEventBase {
  type: 'message_chunk';
  content: string;
  tokens: number;
}

/** The agent called a tool. */
export interface ToolCallEvent extends RunEventBase {
  type: 'tool_call';
  tool_name: string;
  tool_call_id: string;
  args: Record<string, unknown>;
}

/** A tool answered (or failed: `is_error`). */
export interface ToolResultEvent extends RunEventBase {
  type: 'tool_result';
  tool_name: string;
  tool_call_id: string;
  result: string;
  is_error: boolean;
}

/** The run paused before a tool call that needs a person's decision; the stream ends after it. */
export interface ApprovalRequiredEvent extends RunEventBase {
  type: 'approval_required';
  tool_name: string;
  tool_call_id: string;
  args: Record<string, unknown>;
}

/** The conversation was named after its first answer (sent before `complete_state`). */
export interface TitleEvent extends RunEventBase {
  type: 'title';
  title: string;
}

/**
 * Sent instead of a replay when the events to resume from are gone (retention, or a run the
 * client cannot see): reload the conversation's messages. The stream ends after it.
 */
export interface ResyncRequiredEvent extends RunEventBase {
  type: 'resync_required';
  reason: 'events_expired' | 'run_unknown';
  message: string;
}

/** A decision on a tool call a paused run waits for (`approval_required`). */
export type ApprovalDecision =
  | { tool_call_id: string; decision: 'approve' }
  | { tool_call_id: string; decision: 'edit'; args: Record<string, unknown> }
  | { tool_call_id: string; decision: 'reject'; message?: string };

/** Why a run stopped with a `complete_state`. */
export type FinishReason = 'stop' | 'cancelled' | 'timeout' | 'length';

/** The run ended with an answer (whole, or partial when cancelled or timed out). */
export interface CompleteStateEvent extends RunEventBase {
  type: 'complete_state';
  message: string;
  message_id: string;
  conversation_id: string;
  total_tokens: number;
  usage: { input_tokens: number; output_tokens: number; estimated?: boolean };
  finish_reason: FinishReason;
  degraded: boolean;
  duration_ms: number;
}

/** The run failed. */
export interface ErrorEvent extends RunEventBase {
  type: 'error';
  code: string;
  message: string;
  retryable: boolean;
  retry_after_ms?: number;
}

/** Every event a run emits, discriminated by `type`. */
export type RunEvent =
  | MessageChunkEvent
  | ToolCallEvent
  | ToolResultEvent
  | ApprovalRequiredEvent
  | TitleEvent
  | CompleteStateEvent
  | ErrorEvent
  | ResyncRequiredEvent;

/** The events after which a run's stream ends. */
export type TerminalEvent = CompleteStateEvent | ErrorEvent;

/** Whether the stream ends after this event. */
export function isTerminalEvent(event: RunEvent): boolean {
  return (
    event.type === 'complete_state' ||
    event.type === 'error' ||
    event.type === 'approval_required' ||
    event.type === 'resync_required'
  );
}

/** A conversation. */
export interface Conversation {
  id: string;
  title: string | null;
  /** Who wrote the title: the user, the server after the first answer, or nobody yet. */
  title_source?: 'user' | 'generated' | null;
  metadata: Record<string, unknown>;
  message_count: number;
  created_at: string;
  updated_at: string;
}

/** A conversation found by `searchConversations`: how well it matched, and where. */
export interface ConversationSearchHit extends Conversation {
  rank?: number;
  /** A few words around the hits, HTML-escaped, each hit in `<mark>…</mark>`. */
  snippet?: string;
  /** The message the snippet comes from; null when only the title matched. */
  snippet_message_id?: string | null;
}

/** The answer of `PUT .../active-branch`. */
export interface ActiveBranch {
  message_id: string;
  /** The leaf the conversation now shows: the newest descendant of `message_id`. */
  active_leaf_id: string;
}

/** A stored message. */
export interface Message {
  id: string;
  role: 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls?: Array<{ id: string; name: string; args: Record<string, unknown> }>;
  tool_call_id?: string;
  tool_name?: string;
  tokens: number;
  status: 'complete' | 'partial' | 'failed';
  created_at: string;
  /** The message this one follows (null for a first message). */
  parent_id: string | null;
  /** In a branch listing: how many versions of this message there are (itself included). */
  sibling_count?: number;
  /** In a branch listing: its position among its versions, 0-based, oldest first. */
  sibling_index?: number;
  /** In a branch listing: the ids of its versions, oldest first. */
  sibling_ids?: string[];
}

/** One page of a list; `next_cursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** The answer of `POST .../messages`: one whole run. */
export interface RunResult {
  user_message: Message;
  assistant_message: Message;
  usage: { input_tokens: number; output_tokens: number; estimated?: boolean };
}

/** The answer of `POST .../messages` (202) when the run paused for approval. */
export interface AwaitingApproval {
  run_id: string;
  status: 'awaiting_approval';
  approvals: Array<{ tool_call_id: string; tool_name: string; args: Record<string, unknown> }>;
}

/** A run, as `GET .../runs/{run_id}` shows it: where it is and, once over, how it ended. */
export interface Run {
  run_id: string;
  conversation_id: string;
  status: 'running' | 'awaiting_approval' | 'completed' | 'failed' | 'cancelled';
  finish_reason: FinishReason | null;
  /** The final answer. */
  message: Message | null;
  error: { code: string; message: string | null; retryable: boolean | null } | null;
  webhook_url: string | null;
  /** Seq of the run's last stored event. */
  last_seq: number;
  /** False once retention deleted the run's events. */
  events_available: boolean;
  created_at: string;
  finished_at: string | null;
}

/** The answer of `POST .../cancel`. */
export interface CancelResult {
  run_id: string;
  status: 'cancelling';
}

/** The answer of `GET .../events` (the polling fallback). */
export interface EventsPage {
  events: RunEvent[];
  /** True when no event will follow these. */
  done: boolean;
}

/** The answer of `POST .../stream-tokens`. */
export interface StreamToken {
  token: string;
  expires_at: string;
}

/** An RFC 9457 problem, as every error answer carries it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code?: string;
  errors?: Array<{ field: string; message: string }>;
  run_id?: string;
  [key: string]: unknown;
}
