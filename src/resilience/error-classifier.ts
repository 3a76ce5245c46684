import { isBrokenCircuitError } from 'cockatiel';
import { CallTimeoutError } from './call-timeout.error';

/**
 * How a breaker counts an error. `failure` and `timeout` count against the dependency (and a
 * timeout is also reported as one in metrics); `ignored` is neither a success nor a failure: it does
 * not extend or break a failure streak and does not close a half-open circuit.
 */
export type ErrorVerdict = 'failure' | 'timeout' | 'ignored';

/** Decides the {@link ErrorVerdict} of an error thrown by a callee; a breaker may be given its own. */
export type ErrorClassifier = (error: unknown) => ErrorVerdict;

// Node, undici and axios codes for a dependency that did not answer in time.
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  '57014', // Postgres query_canceled: what statement_timeout raises
]);

// Codes for a dependency that cannot be reached or dropped the connection.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

// LangChain renames OpenAI's APIConnectionTimeoutError to a plain Error named TimeoutError;
// AbortSignal.timeout() rejects with a DOMException of that name too.
const TIMEOUT_NAMES = new Set(['TimeoutError', 'APIConnectionTimeoutError']);
const NETWORK_NAMES = new Set(['APIConnectionError', 'FetchError']);
// A cancellation says nothing about the dependency's health: the caller (or a client that went
// away) asked for it. When the breaker's own timeout aborts a callee, the call is already counted
// as a timeout before the callee's AbortError arrives.
const CANCELLATION_NAMES = new Set(['AbortError', 'APIUserAbortError']);
// The request or the model's output was wrong, not the dependency's availability.
const CALLER_ERROR_NAMES = new Set([
  'ValidationError',
  'ZodError',
  'OutputParserException',
  'ToolInputParsingException',
  'ContextOverflowError',
]);

// Postgres SQLSTATE: two-character class, three-character condition.
const SQLSTATE = /^(?:\d{2}|F0|HV|P0|XX)[0-9A-Z]{3}$/;
// 08 connection exception, 53 insufficient resources, 57P operator intervention (shutdown,
// cannot connect now), 58 system error, XX internal error: the database itself is in trouble.
const SQLSTATE_FAILURE = /^(?:08|53|57P|58|XX)/;

// LangChain and fetch wrap the transport error in `cause`; a few levels reach it.
const MAX_CAUSE_DEPTH = 5;

/**
 * The default classification, chosen on purpose:
 * - `timeout`: the breaker's own {@link CallTimeoutError}, `TimeoutError`/`APIConnectionTimeoutError`,
 *   ETIMEDOUT and undici timeouts, Postgres statement timeouts;
 * - `failure`: HTTP 5xx and 429 (from `status`, `statusCode`, `response.status` or `getStatus()`),
 *   network errors (ECONNREFUSED, ECONNRESET, ..., `fetch failed`, `APIConnectionError`), Postgres
 *   connection/resource/shutdown errors, and any error it does not recognise, so that an unexpected
 *   fault still protects the dependency;
 * - `ignored`: other HTTP 4xx, validation and output-parsing errors, other Postgres errors
 *   (constraint violations, syntax, serialization conflicts), cancellations (`AbortError`), and a
 *   nested breaker's `CircuitOpenError`, which that breaker has already counted.
 * The error and up to five levels of `cause` are inspected; the first decisive level wins.
 */
export const classifyError: ErrorClassifier = (error) => {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && isObject(current); depth++) {
    const verdict = classifyOne(current);
    if (verdict !== undefined) {
      return verdict;
    }
    current = current.cause;
  }
  return 'failure';
};

function classifyOne(error: Record<string, unknown>): ErrorVerdict | undefined {
  if (error instanceof CallTimeoutError) {
    return 'timeout';
  }
  if (isBrokenCircuitError(error)) {
    return 'ignored';
  }
  const names = namesOf(error);
  if (names.some((name) => CANCELLATION_NAMES.has(name))) {
    return 'ignored';
  }
  const status = httpStatusOf(error);
  if (status !== undefined) {
    return status === 429 || status >= 500 ? 'failure' : 'ignored';
  }
  const code = typeof error.code === 'string' ? error.code : undefined;
  if ((code !== undefined && TIMEOUT_CODES.has(code)) || names.some((n) => TIMEOUT_NAMES.has(n))) {
    return 'timeout';
  }
  if (
    (code !== undefined && NETWORK_CODES.has(code)) ||
    names.some((name) => NETWORK_NAMES.has(name)) ||
    (error instanceof TypeError && error.message === 'fetch failed')
  ) {
    return 'failure';
  }
  if (code !== undefined && SQLSTATE.test(code)) {
    return SQLSTATE_FAILURE.test(code) ? 'failure' : 'ignored';
  }
  if (names.some((name) => CALLER_ERROR_NAMES.has(name))) {
    return 'ignored';
  }
  return undefined;
}

// The OpenAI SDK does not set `name` on its error classes, so the constructor's name counts too.
function namesOf(error: Record<string, unknown>): string[] {
  const names: string[] = [];
  if (typeof error.name === 'string') {
    names.push(error.name);
  }
  const ctor: unknown = error.constructor;
  if (typeof ctor === 'function' && ctor.name !== '' && ctor.name !== error.name) {
    names.push(ctor.name);
  }
  return names;
}

function httpStatusOf(error: Record<string, unknown>): number | undefined {
  const response = error.response;
  const candidates: unknown[] = [
    error.status,
    error.statusCode,
    isObject(response) ? response.status : undefined,
    statusFromGetter(error),
  ];
  for (const candidate of candidates) {
    if (typeof candidate === 'number' && Number.isInteger(candidate)) {
      if (candidate >= 400 && candidate <= 599) {
        return candidate;
      }
    }
  }
  return undefined;
}

// Nest's HttpException exposes its status through getStatus().
function statusFromGetter(error: Record<string, unknown>): unknown {
  const getStatus = error.getStatus;
  if (typeof getStatus !== 'function') {
    return undefined;
  }
  try {
    return (getStatus as () => unknown).call(error);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
