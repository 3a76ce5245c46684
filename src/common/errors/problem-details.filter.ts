import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
  Optional,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger as PinoLogger } from 'pino';
import {
  DomainException,
  ErrorCode,
  type FieldError,
  type ProblemExtensions,
} from './domain.exception';
import type { HttpDescription } from './http-description';
import { HttpErrorDescribers } from './http-error-describers';
import { buildProblem } from './problem-details';

/** An error mapped to what the client is told. */
interface MappedError extends HttpDescription {
  errors?: FieldError[];
  extensions?: ProblemExtensions;
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.BadRequest,
  401: ErrorCode.Unauthorized,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  408: ErrorCode.RequestTimeout,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  431: ErrorCode.HeadersTooLarge,
  429: ErrorCode.RateLimited,
  503: ErrorCode.ServiceUnavailable,
  504: ErrorCode.Timeout,
};

/**
 * Errors raised by body-parser (made with http-errors) carry an HTTP `status` meant for the client
 * when `expose` is set, and usually a `type`; a stream error while reading (e.g. invalid gzip) has
 * none.
 */
interface BodyParserError {
  type?: string;
  status: number;
  expose: boolean;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as BodyParserError).status === 'number' &&
    (error as BodyParserError).expose === true
  );
}

/** Errors that can describe themselves as HTTP (e.g. an open circuit: 503 with Retry-After). */
export interface HttpMappable {
  toHttp(): HttpDescription;
}

function isHttpMappable(error: unknown): error is HttpMappable {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as Partial<HttpMappable>).toHttp === 'function'
  );
}

/**
 * The one place errors become HTTP answers: every error before a stream starts is answered as
 * `application/problem+json` (RFC 9457) with `instance` set to the request id. Unknown errors are
 * 500s whose details stay in the log, never in the answer.
 *
 * Logging: an unexpected error (500) is one `error` line with its stack; an expected refusal (any
 * 4xx, an open circuit, the database unavailable, a timeout, draining) is one `warn` line with
 * its status, code and what the client was told, without a stack: an outage refuses thousands
 * of requests, and each is not a bug. Lines go to the request's own logger (pino-http's
 * `req.log`), so they carry the request id also for routes that do not exist.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(@Optional() private readonly describers?: HttpErrorDescribers) {}

  /** Maps the error and writes the problem body (or ends a response already under way). */
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const mapped = this.map(exception);
    this.log(request, exception, mapped);
    if (response.headersSent) {
      // A stream already started: the problem can no longer be sent; end what was begun.
      if (!response.writableEnded) response.end();
      return;
    }
    const requestId = typeof request.id === 'string' ? request.id : '';
    for (const [name, value] of Object.entries(mapped.headers ?? {})) {
      response.setHeader(name, value);
    }
    response
      .status(mapped.status)
      .type('application/problem+json')
      .send(
        JSON.stringify(
          buildProblem(
            mapped.status,
            mapped.code,
            mapped.detail,
            requestId,
            mapped.errors,
            mapped.extensions,
          ),
        ),
      );
  }

  private log(request: Request, exception: unknown, mapped: MappedError): void {
    const log = (request as Request & { log?: PinoLogger }).log;
    const { status, code } = mapped;
    if (code === (ErrorCode.Internal as string)) {
      // The message is in `err` (cleaned of query parameters); the line's own text stays fixed.
      if (log) log.error({ context: 'Errors', err: exception, status, code }, 'Unexpected error');
      else this.logger.error({ err: exception, status, code }, 'Unexpected error');
      return;
    }
    // Why a dependency refused (an open circuit, a refused connection) helps the operator; a 4xx's
    // own message may quote the client's input (JSON.parse does), so it gets only the detail.
    const reason = status >= 500 && exception instanceof Error ? exception.message : undefined;
    const refusal = { status, code, detail: mapped.detail, reason };
    if (log) log.warn({ context: 'Errors', ...refusal }, `Refused: ${code}`);
    else this.logger.warn(refusal, `Refused: ${code}`);
  }

  private map(exception: unknown): MappedError {
    if (exception instanceof DomainException) {
      return {
        status: exception.status,
        code: exception.code,
        detail: exception.detail,
        errors: exception.options.errors,
        headers: exception.options.headers,
        extensions: exception.options.extensions,
      };
    }
    if (isHttpMappable(exception)) return exception.toHttp();
    const described = this.describers?.describe(exception);
    if (described) return described;
    if (exception instanceof HttpException) return this.mapHttpException(exception);
    if (isBodyParserError(exception)) return this.mapBodyParserError(exception);
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      code: ErrorCode.Internal,
      detail: 'An unexpected error occurred. The request id identifies it in the logs.',
    };
  }

  private mapHttpException(exception: HttpException): MappedError {
    const status = exception.getStatus();
    if (status === 404 && /^Cannot [A-Z]+ /.test(exception.message)) {
      return { status, code: ErrorCode.RouteNotFound, detail: 'No such route.' };
    }
    if (status === 400 && exception.cause instanceof SyntaxError) {
      return { status, code: ErrorCode.BadRequest, detail: 'The body is not valid JSON.' };
    }
    const code =
      CODE_BY_STATUS[status] ?? (status >= 500 ? ErrorCode.Internal : ErrorCode.BadRequest);
    const detail =
      status === 429
        ? 'Too many requests; retry after the time in Retry-After.'
        : status >= 500
          ? 'The service could not handle the request.'
          : exception.message;
    return { status, code, detail };
  }

  private mapBodyParserError(error: BodyParserError): MappedError {
    switch (error.type ?? '') {
      case 'entity.too.large':
        return {
          status: 413,
          code: ErrorCode.PayloadTooLarge,
          detail: 'The body is larger than this server accepts (MAX_BODY_BYTES).',
        };
      case 'entity.parse.failed':
        return { status: 400, code: ErrorCode.BadRequest, detail: 'The body is not valid JSON.' };
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return {
          status: 415,
          code: ErrorCode.UnsupportedMediaType,
          detail: 'The body encoding or charset is not supported.',
        };
      default:
        return {
          status: error.status,
          code: CODE_BY_STATUS[error.status] ?? ErrorCode.BadRequest,
          detail: 'The body could not be read.',
        };
    }
  }
}
