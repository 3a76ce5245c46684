import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainException, ErrorCode } from '../common/errors/domain.exception';
import { isAdmin, type AuthUser } from './auth-user';
import { ACCEPTS_STREAM_TOKEN, IS_ADMIN_ONLY, IS_PUBLIC } from './auth.decorators';
import { StreamTokenSigner } from './stream-token.signer';
import { InvalidTokenError, TokenVerifier } from './token-verifier.service';

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i;

/**
 * Global guard: every route needs a valid bearer token unless marked `@Public()`, and `@AdminOnly()`
 * routes also need the `admin` role. The user lands on `request.user` for `@CurrentUser()`.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
    private readonly streamTokens: StreamTokenSigner,
  ) {}

  /** Authenticates the request; throws 401 or 403 as problem+json. */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    const streamToken = this.reflector.getAllAndOverride<boolean>(ACCEPTS_STREAM_TOKEN, targets)
      ? streamTokenOf(request)
      : undefined;
    request.user = await this.authenticate(request, streamToken);

    if (
      this.reflector.getAllAndOverride<boolean>(IS_ADMIN_ONLY, targets) &&
      !isAdmin(request.user)
    ) {
      throw new DomainException(ErrorCode.Forbidden, 403, 'This endpoint needs the admin role.');
    }
    return true;
  }

  private async authenticate(request: Request, streamToken?: string): Promise<AuthUser> {
    if (!this.verifier.enabled) return this.verifier.verify('');
    const header = request.headers.authorization;
    const match = header ? BEARER.exec(header) : null;
    if (!match && streamToken === undefined) {
      throw unauthorized('A bearer token is required (Authorization: Bearer <JWT>).');
    }
    try {
      if (match) return await this.verifier.verify(match[1]);
      return await this.streamTokens.verify(streamToken!, String(request.params.id));
    } catch (error) {
      if (error instanceof InvalidTokenError) throw unauthorized(error.message);
      throw error;
    }
  }
}

/** `?access_token=`, when given once (a repeated one is no token). */
function streamTokenOf(request: Request): string | undefined {
  const value = request.query.access_token;
  return typeof value === 'string' ? value : undefined;
}

function unauthorized(detail: string): DomainException {
  return new DomainException(ErrorCode.Unauthorized, 401, detail, {
    headers: { 'WWW-Authenticate': 'Bearer' },
  });
}
