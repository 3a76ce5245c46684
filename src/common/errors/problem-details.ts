import { STATUS_CODES } from 'node:http';
import type { FieldError } from './domain.exception';

/** An RFC 9457 problem details body, plus our `code` extension. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  errors?: FieldError[];
}

/** Builds a problem body; `type` is a URN per error code so clients can branch on it. */
export function buildProblem(
  status: number,
  code: string,
  detail: string,
  instance: string,
  errors?: FieldError[],
): ProblemDetails {
  return {
    type: `urn:agent-server:problem:${code}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}
