/** A tool call an assistant message asked for (the shape of `messages.tool_calls`). */
export interface AgentToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/** One stored message of the conversation, fed to the agent as history. */
export interface AgentHistoryMessage {
  role: 'user' | 'assistant' | 'tool';
  content: string;
  /** Assistant messages: the tools it called. */
  tool_calls?: AgentToolCall[] | null;
  /** Tool messages: the call this result answers. */
  tool_call_id?: string | null;
  /** Tool messages: the tool that produced it. */
  tool_name?: string | null;
  /**
   * What its text and tool calls cost in tokens, as stored with it. Used for the history trim
   * instead of counting the message again on every run; 0 or absent: unknown, counted.
   */
  tokens?: number | null;
}

/** What one run (one user turn) starts from. */
export interface AgentRunInput {
  /** Earlier messages of the conversation, oldest first, without the new user message. */
  history: readonly AgentHistoryMessage[];
  /** The new user message. */
  message: string;
  /** Cancels the run: every model and tool call receives it. */
  signal?: AbortSignal;
  /**
   * Names the run's checkpoints, when tools need approval: a paused run is resumed by this id
   * (from any process, as they are stored in PostgreSQL).
   */
  threadId?: string;
}

/** What resuming a paused run takes. */
export interface AgentResumeInput {
  threadId: string;
  /** One per pending tool call, in order. */
  decisions: AgentDecision[];
  signal?: AbortSignal;
}

/** A piece of assistant text, as the model streamed it. */
export interface MessageChunkEvent {
  type: 'message_chunk';
  content: string;
  /** This chunk's token count by the tokenizer. */
  tokens: number;
}

/** The model asked for a tool; emitted once per call, with the complete arguments. */
export interface ToolCallEvent {
  type: 'tool_call';
  tool_name: string;
  tool_call_id: string;
  args: Record<string, unknown>;
}

/** A tool answered (or failed: `is_error`, and the model sees the error text). */
export interface ToolResultEvent {
  type: 'tool_result';
  tool_name: string;
  tool_call_id: string;
  result: string;
  is_error: boolean;
}

/**
 * The agent paused before a tool call that needs approval (`TOOLS_REQUIRE_APPROVAL`): nothing
 * runs until a decision comes, through `AgentRunner.resume`. One per pending call.
 */
export interface ApprovalRequiredEvent {
  type: 'approval_required';
  tool_call_id: string;
  tool_name: string;
  args: Record<string, unknown>;
}

/** A decision on a pending tool call, in the order of the `approval_required` events. */
export type AgentDecision =
  | { type: 'approve' }
  | { type: 'edit'; args: Record<string, unknown> }
  | { type: 'reject'; message?: string };

/** Why a run stopped normally. `length`: a call or loop limit was hit, or the answer was cut. */
export type AgentFinishReason = 'stop' | 'length' | 'content_filter';

/** Tokens used by a run, summed over every model call. */
export interface AgentUsage {
  input_tokens: number;
  output_tokens: number;
  /** True when at least one call reported no usage and was counted with the tokenizer. */
  estimated: boolean;
}

/** A message the run produced, to store in order. */
export interface AgentProducedMessage {
  role: 'assistant' | 'tool';
  content: string;
  /** Assistant messages: the tools it called (absent when none). */
  tool_calls?: AgentToolCall[];
  tool_call_id?: string;
  tool_name?: string;
  /** Tool messages: whether the tool failed. */
  is_error?: boolean;
  /** Output tokens of an assistant message (provider-reported or counted); tokens of a tool result. */
  tokens: number;
}

/** What a run produced up to the point it stopped. */
export interface AgentRunPartial {
  /** The assistant text, every streamed chunk joined. */
  text: string;
  /** Assistant and tool messages, in order. Cut-off assistant text is only in `text`. */
  messages: AgentProducedMessage[];
  usage: AgentUsage;
}

/** The summary of a finished run. */
export interface AgentRunResult extends AgentRunPartial {
  finish_reason: AgentFinishReason;
  /**
   * Present when the run paused for approval: the tool calls waiting for a decision. The run goes
   * on with `AgentRunner.resume`.
   */
  pending?: ApprovalRequiredEvent[];
}

/** The last event of a run that finished normally, carrying its summary. */
export interface AgentFinalEvent extends AgentRunResult {
  type: 'final';
}

/** Everything `AgentRunner.run` yields, in order: chunks and tool events, then one `final`. */
export type AgentEvent =
  MessageChunkEvent | ToolCallEvent | ToolResultEvent | ApprovalRequiredEvent | AgentFinalEvent;
