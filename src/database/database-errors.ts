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
  /Connection terminated|not currently accepting connections|timeout exceeded when trying to connect|Connection ended unexpectedly/;

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
 * SQLSTATE says; other errors are judged as usual (a constraint violation is the caller's).
 */
export const classifyDatabaseError: ErrorClassifier = (error) =>
  isDatabaseUnavailable(error) ? 'failure' : classifyError(error);
