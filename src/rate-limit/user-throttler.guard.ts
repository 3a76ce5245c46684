import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { AuthUser } from '../auth/auth-user';

// Probes and scrapes: a 429 to a readiness probe would take the pod out of service.
const UNLIMITED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

/**
 * Rate limits per authenticated user rather than per IP (many users share a NAT, one user may roam),
 * falling back to the IP for public routes. Runs after the auth guard, which sets `request.user`.
 *
 * One budget per user across every route: the library's own key also names the controller and the
 * handler, which would give each user a separate budget on each of some twenty routes.
 */
@Injectable()
export class UserThrottlerGuard extends ThrottlerGuard {
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    const { req } = this.getRequestResponse(context);
    return Promise.resolve(UNLIMITED_PATHS.test(String(req.url)));
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const user = request.user as AuthUser | undefined;
    return Promise.resolve(user ? `user:${user.id}` : `ip:${String(request.ip)}`);
  }

  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    throttlerName: string,
  ): string {
    return `${throttlerName}:${tracker}`;
  }

  /** The library sets only `Retry-After` on a refusal: give the budget's headers there too. */
  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const { res } = this.getRequestResponse(context);
    this.setResponseHeader(res, `${this.headerPrefix}-Limit`, detail.limit);
    this.setResponseHeader(res, `${this.headerPrefix}-Remaining`, 0);
    this.setResponseHeader(res, `${this.headerPrefix}-Reset`, detail.timeToBlockExpire);
    return super.throwThrottlingException(context, detail);
  }
}
