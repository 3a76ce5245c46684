import { type ToolCallRequest, ToolInvocationError, toolErrorMiddleware } from 'langchain';
import { unwrapMiddlewareError } from '../model-error.classifier';

/** Prefix of the result content of a failed tool call. */
export const TOOL_ERROR_PREFIX = 'Error: ';

/**
 * The text the model reads when a tool fails. Invalid arguments keep the validation message but
 * drop the stack trace LangChain's `ToolInvocationError` puts in its own message.
 */
export function describeToolError(error: unknown): string {
  const cause = unwrapMiddlewareError(error);
  const reason = ToolInvocationError.isInstance(cause) ? cause.toolError : cause;
  const message = reason instanceof Error ? reason.message : String(reason);
  return `${TOOL_ERROR_PREFIX}${message}`;
}

/**
 * Turns a failing tool call into an error result (`status: "error"`, the error text as content)
 * so that the model reads it and the run goes on. A cancelled run's abort still ends the run.
 */
export function toolErrorResultMiddleware() {
  return toolErrorMiddleware({
    onError: (error: unknown, request: ToolCallRequest) =>
      request.runtime.signal?.aborted ? undefined : describeToolError(error),
  });
}
