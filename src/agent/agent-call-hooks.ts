import type { AIMessage } from '@langchain/core/messages';
import type { ModelRequest, ToolCallHandler, ToolCallRequest } from 'langchain';
import type { AgentProvider } from './agent.settings';

/** What a model-call hook learns about the call it wraps. */
export interface ModelCallInfo {
  readonly provider: AgentProvider;
  /** The configured model name. */
  readonly model: string;
  /**
   * LangChain's request (model, trimmed-to-be messages, tools). A hook may pass a changed copy to
   * `next`, e.g. with another model as a fallback.
   */
  readonly request: ModelRequest;
  /** The run's signal: aborted when the run is cancelled. */
  readonly signal?: AbortSignal;
}

/** Runs the rest of the model call; rejects with the typed agent errors (timeout, model error). */
export type ModelCallNext = (request?: ModelRequest) => Promise<AIMessage>;

/** What a tool call returns to the agent loop (a ToolMessage, or a LangGraph command). */
export type ToolCallOutcome = Awaited<ReturnType<ToolCallHandler>>;

/** What a tool-call hook learns about the call it wraps. */
export interface ToolCallInfo {
  readonly toolName: string;
  readonly toolCallId: string;
  readonly args: Record<string, unknown>;
  /** LangChain's request; a hook may pass a changed copy to `next`. */
  readonly request: ToolCallRequest;
  /** The run's signal: aborted when the run is cancelled. */
  readonly signal?: AbortSignal;
}

/** Runs the tool; rejects with what the tool threw. */
export type ToolCallNext = (request?: ToolCallRequest) => Promise<ToolCallOutcome>;

/**
 * The seams around every model call and every tool call, where the resilience module plugs in
 * circuit breakers, metrics and fallbacks. Each hook must call `next` (at most once per attempt)
 * or throw; an absent hook passes the call through.
 *
 * Errors: a model call's `next` rejects with `AgentTimeoutError` (its `timeoutMs` ran out),
 * `AgentModelError` (`retryable` says whether to count it against a breaker) or the raw abort
 * error when the run was cancelled (check `signal.aborted`). Whatever a tool hook throws becomes
 * an error result that the model reads, and the run goes on.
 */
export interface AgentCallHooks {
  /** Wraps one model call, including its timeout. */
  wrapModelCall?(call: ModelCallInfo, next: ModelCallNext): Promise<AIMessage>;
  /** Wraps one tool call. */
  wrapToolCall?(call: ToolCallInfo, next: ToolCallNext): Promise<ToolCallOutcome>;
}
