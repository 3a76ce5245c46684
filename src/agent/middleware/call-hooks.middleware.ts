import { createMiddleware, type ModelRequest, type ToolCallRequest } from 'langchain';
import type { AgentCallHooks } from '../agent-call-hooks';
import type { AgentProvider } from '../agent.settings';
import { unwrapMiddlewareError } from '../model-error.classifier';

/** Rejects with the error the inner layer threw, not LangChain's per-layer wrapper of it. */
async function unwrapped<T>(promise: Promise<T> | T): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    throw unwrapMiddlewareError(error);
  }
}

/**
 * The seam middleware: hands every model call and tool call to {@link AgentCallHooks}, or passes
 * it through when a hook is absent. It sits outside the timeout guard, so a breaker sees timeouts
 * as failures, and inside the tool error handling, so a tool hook's rejection (an open breaker)
 * reaches the model as an error result.
 */
export function callHooksMiddleware(
  hooks: AgentCallHooks,
  target: { provider: AgentProvider; model: string },
) {
  return createMiddleware({
    name: 'AgentCallHooksMiddleware',
    wrapModelCall: (request, handler) => {
      if (!hooks.wrapModelCall) return handler(request);
      const base = request as ModelRequest;
      return hooks.wrapModelCall(
        { ...target, request: base, signal: request.runtime.signal },
        (next = base) => unwrapped(handler(next as typeof request)),
      );
    },
    wrapToolCall: (request, handler) => {
      if (!hooks.wrapToolCall) return handler(request);
      const base = request as ToolCallRequest;
      return hooks.wrapToolCall(
        {
          toolName: request.toolCall.name,
          toolCallId: request.toolCall.id ?? '',
          args: request.toolCall.args,
          request: base,
          signal: request.runtime.signal,
        },
        (next = base) => unwrapped(handler(next as typeof request)),
      );
    },
  });
}
