import { STATUS_CODES } from 'node:http';
import type { FieldError, ProblemExtensions } from './domain.exception';

/** An RFC 9457 problem details body, plus our `code` extension and any others of the error. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/**
 * Builds a problem body; `type` is a URN per error code so clients can branch on it. Extension
 * members never replace the standard ones.
 */
export function buildProblem(
  status: number,
  code: string,
  detail: string,
  instance: string,
  errors?: FieldError[],
  extensions?: ProblemExtensions,
): ProblemDetails {
  return {
    ...extensions,
    type: `urn:agent-server:problem:${code}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}
