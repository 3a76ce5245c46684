import { ErrorCode } from '../common/errors/domain.exception';
import type { HttpErrorDescriber } from '../common/errors/http-description';
import { retryAfterHeaders } from '../common/http/retry-after';
import { classifyError, type ErrorClassifier } from '../resilience';

// Connection-level failures of PostgreSQL or the pool: the database, not the request, is at fault.
const DATABASE_DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  '57P01', // admin_shutdown (terminated by an administrator, or the server is stopping)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08006',
]);
const DATABASE_DOWN_MESSAGES =
  /Connection terminated|not currently accepting connections|Connection ended unexpectedly/;
/** pg-pool's error when no pooled connection freed up within `connectionTimeoutMillis`. */
const POOL_WAIT_MESSAGE = 'timeout exceeded when trying to connect';

/**
 * Whether the error says every pooled connection stayed busy for `DB_POOL_WAIT_MS`: this process
 * is overloaded; the database itself may be fine.
 */
export function isPoolExhausted(error: unknown): boolean {
  return error instanceof Error && error.message === POOL_WAIT_MESSAGE;
}

/** Whether the error says the database cannot be reached (looked for down the `cause` chain). */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const candidate = current as {
      code?: unknown;
      message?: unknown;
      driverError?: unknown;
      cause?: unknown;
    };
    if (typeof candidate.code === 'string' && DATABASE_DOWN_CODES.has(candidate.code)) return true;
    if (typeof candidate.message === 'string' && DATABASE_DOWN_MESSAGES.test(candidate.message)) {
      return true;
    }
    current = candidate.driverError ?? candidate.cause;
  }
  return false;
}

/**
 * How the `database` breaker counts errors: losing the database counts as a failure, whatever
 * SQLSTATE says; waiting too long for a pooled connection is this process's queue, not the
 * database's fault; other errors are judged as usual (a constraint violation is the caller's).
 */
export const classifyDatabaseError: ErrorClassifier = (error) =>
  isPoolExhausted(error)
    ? 'ignored'
    : isDatabaseUnavailable(error)
      ? 'failure'
      : classifyError(error);

/**
 * How a request that failed on the database is answered: 503 with Retry-After, sooner for a busy
 * pool (this process's queue) than for a database that cannot be reached.
 */
export const describeDatabaseError: HttpErrorDescriber = (error) => {
  if (isPoolExhausted(error)) {
    return {
      status: 503,
      code: ErrorCode.ServiceUnavailable,
      detail: 'The server is too busy right now; retry after the time in Retry-After.',
      headers: retryAfterHeaders(1000),
    };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      status: 503,
      code: ErrorCode.DatabaseUnavailable,
      detail: 'The database is unavailable right now; retry after the time in Retry-After.',
      headers: retryAfterHeaders(5000),
    };
  }
  return undefined;
};

// Worth trying again as it is: the statement was cancelled for time, or lost a concurrency race.
const RETRYABLE_SQLSTATES = new Set(['57014', '40001', '40P01', '55P03']);

/**
 * Whether a statement that failed with this error may succeed if sent again unchanged: the
 * database could not be reached or was busy. Anything else (a constraint, bad data) would fail the
 * same way again.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  if (isDatabaseUnavailable(error) || isPoolExhausted(error)) return true;
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const candidate = current as { code?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof candidate.code === 'string' && RETRYABLE_SQLSTATES.has(candidate.code)) return true;
    current = candidate.driverError ?? candidate.cause;
  }
  return false;
}
