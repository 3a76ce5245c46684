import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { isAdmin } from '../auth/auth-user';
import { InvalidTokenError, TokenVerifier } from '../auth/token-verifier.service';
import { DomainException, ErrorCode } from '../common/errors/domain.exception';
import { healthConfig, type HealthConfig } from '../config';

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i;

/**
 * `/health/detailed` shows versions and internals: it needs an admin token unless
 * `HEALTH_DETAILED_PUBLIC=true`. The route is `@Public()` for the global guard, which cannot
 * decide this from config; this guard applies the same 401/403 rules. With auth off every caller
 * is the admin user `local` anyway.
 */
@Injectable()
export class DetailedHealthAccessGuard implements CanActivate {
  constructor(
    private readonly verifier: TokenVerifier,
    @Inject(healthConfig.KEY) private readonly config: HealthConfig,
  ) {}

  /** Lets the request through, or throws 401 (no or bad token) or 403 (not an admin). */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.config.detailedPublic || !this.verifier.enabled) return true;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization;
    const match = header ? BEARER.exec(header) : null;
    if (!match) throw unauthorized('A bearer token is required (Authorization: Bearer <JWT>).');
    let admin: boolean;
    try {
      admin = isAdmin(await this.verifier.verify(match[1]));
    } catch (error) {
      if (error instanceof InvalidTokenError) throw unauthorized(error.message);
      throw error;
    }
    if (!admin) {
      throw new DomainException(
        ErrorCode.Forbidden,
        403,
        'Detailed health needs the admin role (or HEALTH_DETAILED_PUBLIC=true).',
      );
    }
    return true;
  }
}

function unauthorized(detail: string): DomainException {
  return new DomainException(ErrorCode.Unauthorized, 401, detail, {
    headers: { 'WWW-Authenticate': 'Bearer' },
  });
}
