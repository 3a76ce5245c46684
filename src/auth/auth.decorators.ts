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

/** Injects the authenticated {@link AuthUser} into a handler parameter. */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<Request & { user?: AuthUser }>();
  if (!request.user) throw new Error('CurrentUser used on a route without authentication');
  return request.user;
});
