import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AuthUser } from '../auth/auth-user';

/**
 * Rate limits per authenticated user rather than per IP (many users share a NAT, one user may roam),
 * falling back to the IP for public routes. Runs after the auth guard, which sets `request.user`.
 */
@Injectable()
export class UserThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const user = request.user as AuthUser | undefined;
    return Promise.resolve(user ? `user:${user.id}` : `ip:${String(request.ip)}`);
  }
}
