import type { IncomingMessage } from 'node:http';
import { json, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { DomainException, ErrorCode, ValidationFailedException } from '../errors/domain.exception';
import { nestsDeeperThan } from './json-nesting';
import { findUnsafeText } from './unsafe-text';

/** Deepest nesting of arrays and objects accepted in a body (the body itself is level 1). */
export const MAX_JSON_DEPTH = 32;

const JSON_TYPES = ['application/json', 'application/*+json'];
const METHODS_WITH_BODIES = new Set(['POST', 'PUT', 'PATCH']);
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/**
 * The request-body pipeline, in order: a body must be UTF-8 JSON (415 otherwise), at most
 * `maxBodyBytes` (413), nested at most {@link MAX_JSON_DEPTH} deep (400, checked on the raw bytes
 * before parsing), and free of NUL and unpaired surrogates in every string and key (400 naming the
 * field); the query string gets the same text check. All of it runs before Nest's ValidationPipe,
 * so class-validator only ever sees bounded, storable input. Cost: linear in the body.
 */
export function jsonBodyPipeline(maxBodyBytes: number): RequestHandler[] {
  return [
    requireJsonBody,
    json({ limit: maxBodyBytes, type: JSON_TYPES, verify: refuseDeepJson }),
    refuseUnsafeText,
  ];
}

/**
 * A request carries a body when it declares a length above zero or a chunked transfer: a POST with
 * `Content-Length: 0` (what clients send for "no body") has none and needs no content type.
 */
function carriesBody(request: IncomingMessage): boolean {
  if (request.headers['transfer-encoding'] !== undefined) return true;
  return Number(request.headers['content-length'] ?? 0) !== 0;
}

/**
 * A body sent to POST, PUT or PATCH must be JSON (other methods read none, and ignore one); any
 * JSON body must be UTF-8, which the depth scan of the raw bytes relies on.
 */
function requireJsonBody(request: Request, _response: Response, next: NextFunction): void {
  if (!carriesBody(request)) return next();
  if (!request.is(JSON_TYPES)) {
    if (!METHODS_WITH_BODIES.has(request.method)) return next();
    return next(unsupported('The body must be JSON, sent as Content-Type: application/json.'));
  }
  const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return next(unsupported('The body must be UTF-8 (charset=utf-8, or no charset).'));
  }
  next();
}

function refuseDeepJson(_request: IncomingMessage, _response: unknown, body: Buffer): void {
  if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
    throw new ValidationFailedException([
      {
        field: 'body',
        message: `must not nest arrays and objects more than ${MAX_JSON_DEPTH} deep`,
      },
    ]);
  }
}

function refuseUnsafeText(request: Request, _response: Response, next: NextFunction): void {
  const problem =
    findUnsafeText(request.query, 'query') ??
    (request.body === undefined ? undefined : findUnsafeText(request.body, 'body'));
  next(problem ? new ValidationFailedException([problem]) : undefined);
}

function unsupported(detail: string): DomainException {
  return new DomainException(ErrorCode.UnsupportedMediaType, 415, detail);
}
