import { DomainException, ErrorCode } from '../common/errors/domain.exception';
import { retryAfterHeaders } from '../common/http/retry-after';
import type { ErrorRunEvent } from './run-event.types';

const UNAVAILABLE: Record<string, ErrorCode> = {
  llm_unavailable: ErrorCode.LlmUnavailable,
  server_shutdown: ErrorCode.ServerShutdown,
  run_abandoned: ErrorCode.RunAbandoned,
  storage_unavailable: ErrorCode.StorageUnavailable,
};

/** The HTTP answer of `POST .../messages` for a run that ended with an `error` event. */
export function httpErrorForRun(event: ErrorRunEvent): DomainException {
  const unavailable = UNAVAILABLE[event.code];
  if (unavailable) {
    return new DomainException(unavailable, 503, event.message, {
      headers: retryAfterHeaders(event.retry_after_ms ?? 1000),
    });
  }
  if (event.code === 'llm_timeout')
    return new DomainException(ErrorCode.LlmTimeout, 504, event.message);
  if (event.code === 'llm_error')
    return new DomainException(ErrorCode.LlmError, 502, event.message);
  return new DomainException(ErrorCode.Internal, 500, 'The run failed unexpectedly.');
}
