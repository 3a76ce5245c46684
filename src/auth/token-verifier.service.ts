import { createSecretKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { unsafeTextReason } from '../common/input/unsafe-text';
import { authConfig, type AuthConfig } from '../config';
import { LOCAL_USER, type AuthUser } from './auth-user';

/** Why a token was refused; the message is safe to show the caller. */
export class InvalidTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

/**
 * Verifies bearer JWTs with `jose`: HS256 with `AUTH_JWT_SECRET`, or RS256/ES256 with keys from
 * `AUTH_JWKS_URL` (fetched and cached by jose), checking issuer and audience when configured.
 * Every token needs `exp` and `iat`: one without `exp` would be valid forever once leaked, and
 * `AUTH_MAX_TOKEN_AGE_S` bounds how long after its `iat` any token is accepted (jose's
 * `maxTokenAge`, which also refuses an `iat` in the future beyond the clock tolerance).
 */
@Injectable()
export class TokenVerifier {
  private readonly logger = new Logger('Auth');
  private readonly secret?: KeyObject;
  private readonly jwks?: JWTVerifyGetKey;

  constructor(@Inject(authConfig.KEY) private readonly config: AuthConfig) {
    if (config.mode === 'hs256' && config.jwtSecret) {
      // A KeyObject made once: given raw bytes, jose imports the key again on every request.
      this.secret = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
    } else if (config.mode === 'jwks' && config.jwksUrl) {
      this.jwks = createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: 30_000 });
      if (!config.audience) {
        this.logger.warn(
          "AUTH_JWKS_URL is set without AUTH_AUDIENCE: any token the identity provider signs, also one meant for another service, is accepted. Set AUTH_AUDIENCE to this API's audience.",
        );
      }
    } else {
      this.logger.warn(
        'Auth is OFF (neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is set): every request acts as user "local". Never run like this in production.',
      );
    }
  }

  /** Whether tokens are checked at all. */
  get enabled(): boolean {
    return this.config.mode !== 'off';
  }

  /** Verifies the token and returns its user; throws {@link InvalidTokenError} when refused. */
  async verify(token: string): Promise<AuthUser> {
    if (!this.enabled) return LOCAL_USER;
    let payload: JWTPayload;
    try {
      const options = {
        issuer: this.config.issuer,
        audience: this.config.audience,
        clockTolerance: this.config.clockToleranceS,
        maxTokenAge: this.config.maxTokenAgeS,
        requiredClaims: ['exp', 'iat'],
      };
      payload = this.secret
        ? (await jwtVerify(token, this.secret, { ...options, algorithms: ['HS256'] })).payload
        : (await jwtVerify(token, this.jwks!, { ...options, algorithms: ['RS256', 'ES256'] }))
            .payload;
    } catch (error) {
      throw new InvalidTokenError(describeJoseError(error));
    }
    // The sub is stored as the owner of rows: PostgreSQL refuses a NUL, and the driver would turn
    // a lone surrogate into U+FFFD, making two different subs one user.
    if (
      typeof payload.sub !== 'string' ||
      payload.sub.length === 0 ||
      payload.sub.length > 255 ||
      unsafeTextReason(payload.sub) !== undefined
    ) {
      throw new InvalidTokenError('The token has no usable "sub" claim.');
    }
    const roles = Array.isArray(payload.roles)
      ? payload.roles.filter((role): role is string => typeof role === 'string')
      : [];
    return { id: payload.sub, roles };
  }
}

function describeJoseError(error: unknown): string {
  // JWTExpired is a JWTClaimValidationFailed too, so it is asked first.
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired.';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `The token has no "${error.claim}" claim.`;
    if (error.claim === 'iat' && error.reason === 'check_failed')
      return 'The token\'s "iat" claim is in the future.';
    return `The token's "${error.claim}" claim is not accepted.`;
  }
  if (error instanceof joseErrors.JWKSTimeout)
    return 'The signing keys could not be fetched in time.';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'No key matches the token.';
  return 'The token is invalid.';
}
