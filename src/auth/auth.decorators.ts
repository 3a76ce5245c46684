import {
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import { ApiForbiddenResponse, ApiSecurity } from '@nestjs/swagger';
import type { Request } from 'express';
import type { AuthUser } from './auth-user';

/** Metadata key: the route needs no token (health, metrics, docs). */
export const IS_PUBLIC = 'auth:isPublic';
/** Metadata key: the route needs the `admin` role. */
export const IS_ADMIN_ONLY = 'auth:isAdminOnly';
/** Metadata key: the route also takes a stream token (`?access_token=`) for its conversation. */
export const ACCEPTS_STREAM_TOKEN = 'auth:acceptsStreamToken';
/** Name of the stream-token security scheme in the OpenAPI document. */
export const STREAM_TOKEN_SCHEME = 'stream_token';

/**
 * Marks a route or controller as reachable without a token (and, in the OpenAPI document, as
 * open to anonymous callers: the empty security requirement).
 */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true), ApiSecurity({}));

/** Marks a route or controller as needing `"admin"` in the token's `roles` (403 otherwise). */
export const AdminOnly = () =>
  applyDecorators(
    SetMetadata(IS_ADMIN_ONLY, true),
    ApiForbiddenResponse({ description: 'The token lacks the admin role.' }),
  );

/**
 * Lets a route of `/conversations/:id/...` be opened with a stream token of that conversation in
 * `?access_token=` instead of a bearer token (for EventSource, which cannot send headers).
 */
export const AcceptsStreamToken = () =>
  applyDecorators(
    SetMetadata(ACCEPTS_STREAM_TOKEN, true),
    ApiSecurity('bearer'),
    ApiSecurity(STREAM_TOKEN_SCHEME),
  );

/** Injects the authenticated {@link AuthUser} into a handler parameter. */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<Request & { user?: AuthUser }>();
  if (!request.user) throw new Error('CurrentUser used on a route without authentication');
  return request.user;
});
