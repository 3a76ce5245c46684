/** Machine-readable codes of the errors the service answers with (`code` in problem+json). */
export enum ErrorCode {
  BadRequest = 'bad_request',
  ValidationFailed = 'validation_failed',
  InvalidCursor = 'invalid_cursor',
  Unauthorized = 'unauthorized',
  Forbidden = 'forbidden',
  NotFound = 'not_found',
  ConversationNotFound = 'conversation_not_found',
  RunNotFound = 'run_not_found',
  ResyncRequired = 'resync_required',
  MessageNotFound = 'message_not_found',
  RouteNotFound = 'route_not_found',
  Conflict = 'conflict',
  IdempotencyKeyReused = 'idempotency_key_reused',
  RunActive = 'run_active',
  NoActiveRun = 'no_active_run',
  RunNotAwaitingApproval = 'run_not_awaiting_approval',
  PayloadTooLarge = 'payload_too_large',
  UnsupportedMediaType = 'unsupported_media_type',
  HeadersTooLarge = 'headers_too_large',
  RequestTimeout = 'request_timeout',
  RateLimited = 'rate_limited',
  ServiceUnavailable = 'service_unavailable',
  Timeout = 'timeout',
  LlmUnavailable = 'llm_unavailable',
  LlmTimeout = 'llm_timeout',
  LlmError = 'llm_error',
  ServerShutdown = 'server_shutdown',
  RunAbandoned = 'run_abandoned',
  StorageUnavailable = 'storage_unavailable',
  DatabaseUnavailable = 'database_unavailable',
  Internal = 'internal_error',
}

/** One field-level problem, as listed in `errors` of a problem+json body. */
export interface FieldError {
  field: string;
  message: string;
}

/** Extension members of a problem body: snake_case names, JSON values. */
export type ProblemExtensions = Readonly<Record<string, string | number | boolean | null>>;

/**
 * An error the domain expects and knows how to describe. Services throw these; the global
 * problem-details filter maps them to HTTP (status, `code`, headers such as `Retry-After`).
 */
export class DomainException extends Error {
  /**
   * @param code machine-readable code
   * @param status HTTP status to answer with
   * @param detail human-readable explanation for this occurrence
   * @param options `errors` per field, response `headers`, and `extensions`: RFC 9457 extension
   *   members added to the body (e.g. `run_id` of the run that is in the way)
   */
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    readonly detail: string,
    readonly options: {
      errors?: FieldError[];
      headers?: Record<string, string>;
      extensions?: ProblemExtensions;
    } = {},
  ) {
    super(detail);
    this.name = 'DomainException';
  }
}

/** A field-level validation failure (400), for checks a DTO decorator cannot express. */
export class ValidationFailedException extends DomainException {
  /** @param errors every field that failed, with why */
  constructor(errors: FieldError[]) {
    super(ErrorCode.ValidationFailed, 400, 'The request has invalid fields.', { errors });
  }
}

/** The resource does not exist, or belongs to someone else (never told apart). */
export class NotFoundDomainException extends DomainException {
  /** @param what e.g. "Conversation" */
  constructor(code: ErrorCode, what: string) {
    super(code, 404, `${what} not found.`);
  }
}
