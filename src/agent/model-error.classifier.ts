import { getRetryable } from '@langchain/core/errors';
import { MiddlewareError } from 'langchain';
import { AgentError, AgentModelError, AgentTimeoutError } from './agent.errors';

/** Network failures worth retrying (Node's and undici's codes). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
/** Error names the provider SDKs use for a connection that failed or dropped. */
const NETWORK_ERROR_NAMES = new Set(['APIConnectionError', 'FetchError']);
/**
 * Error names for a timeout: the provider SDK's own, before ours fires, and a circuit breaker's
 * per-call timeout around the model call (`CallTimeoutError`).
 */
const TIMEOUT_ERROR_NAMES = new Set([
  'TimeoutError',
  'APIConnectionTimeoutError',
  'CallTimeoutError',
]);

/**
 * LangChain wraps whatever a middleware throws in a `MiddlewareError` (once per layer), keeping
 * the original as `cause`; this digs it out.
 */
export function unwrapMiddlewareError(error: unknown): unknown {
  let current = error;
  while (MiddlewareError.isInstance(current) && current.cause !== undefined)
    current = current.cause;
  return current;
}

/** Finds an error with the given name in the `cause` chain (some errors are not exported). */
export function findErrorNamed(error: unknown, name: string): Error | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 10; depth += 1) {
    if (current.name === name) return current;
    current = current.cause;
  }
  return undefined;
}

/**
 * Turns what a model call threw into a typed agent error: timeouts into {@link AgentTimeoutError},
 * the rest into {@link AgentModelError} with `retryable` set from LangChain's own stamp when the
 * provider package gave one, else from the HTTP status (408, 409, 425, 429 and 5xx retry; other
 * 4xx do not), else true for network errors. Agent errors pass through unchanged.
 *
 * @param timeoutMs the call budget, reported by a provider-side timeout
 */
export function toAgentModelError(error: unknown, timeoutMs: number): AgentError {
  const cause = unwrapMiddlewareError(error);
  if (cause instanceof AgentError) return cause;
  if (cause instanceof Error && TIMEOUT_ERROR_NAMES.has(cause.name)) {
    return new AgentTimeoutError(timeoutMs, { cause });
  }
  const status = httpStatusOf(cause);
  const retryable = getRetryable(cause) ?? retryableStatus(status) ?? isNetworkError(cause);
  const message = cause instanceof Error ? cause.message : String(cause);
  return new AgentModelError(message, { retryable, status, cause });
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const record = error as { status?: unknown; status_code?: unknown };
  const status = record.status ?? record.status_code; // status_code: the Ollama client
  return typeof status === 'number' && status >= 100 && status < 600 ? status : undefined;
}

function retryableStatus(status: number | undefined): boolean | undefined {
  if (status === undefined) return undefined;
  return status >= 500 || [408, 409, 425, 429].includes(status);
}

function isNetworkError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 10; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (NETWORK_ERROR_NAMES.has(current.name)) return true;
    if (current instanceof TypeError && /fetch failed|terminated/i.test(current.message))
      return true;
    current = current.cause;
  }
  return false;
}
