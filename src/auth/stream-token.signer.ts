import { createSecretKey, hkdfSync, type KeyObject, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { jwtVerify, SignJWT } from 'jose';
import { authConfig, type AuthConfig } from '../config';
import type { AuthUser } from './auth-user';
import { InvalidTokenError } from './token-verifier.service';

/** A stream token as the API hands it out. */
export interface IssuedStreamToken {
  token: string;
  /** ISO-8601 UTC: after this the token opens no stream. */
  expires_at: string;
}

const AUDIENCE = 'urn:agent-server:stream';
const TYPE = 'stream+jwt';

/**
 * Short-lived tokens that open one conversation's stream, for clients that cannot send an
 * `Authorization` header (a browser's EventSource): `?access_token=` on `GET`/`POST
 * .../conversations/{id}/stream`, and nowhere else.
 *
 * Stateless, so any instance accepts a token any instance made: an HS256 JWT (`sub` the user, `cid`
 * the conversation, `aud` and `typ` of its own) signed with a key derived by HKDF from
 * `AUTH_STREAM_TOKEN_SECRET`, else from `AUTH_JWT_SECRET`. The derivation keeps the two apart: a
 * stream token never verifies as a bearer token, even when both secrets are the same. With JWKS
 * and no stream-token secret the server has no shared secret: a random key per process, which
 * only that instance accepts.
 */
@Injectable()
export class StreamTokenSigner {
  private readonly logger = new Logger('Auth');
  private readonly key: KeyObject;

  constructor(@Inject(authConfig.KEY) private readonly config: AuthConfig) {
    const secret = config.streamTokenSecret ?? config.jwtSecret;
    if (!secret && config.mode === 'jwks') {
      this.logger.warn(
        'AUTH_JWKS_URL is set without AUTH_STREAM_TOKEN_SECRET: stream tokens (?access_token=) work only on the instance that made them. Set the same AUTH_STREAM_TOKEN_SECRET on every instance.',
      );
    }
    const material = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
    this.key = createSecretKey(
      Buffer.from(hkdfSync('sha256', material, '', 'agent-server stream token', 32)),
    );
  }

  /** A token that lets `userId` open the stream of `conversationId` for `AUTH_STREAM_TOKEN_TTL_S`. */
  async mint(userId: string, conversationId: string): Promise<IssuedStreamToken> {
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAt = issuedAt + this.config.streamTokenTtlS;
    const token = await new SignJWT({ cid: conversationId })
      .setProtectedHeader({ alg: 'HS256', typ: TYPE })
      .setSubject(userId)
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(this.key);
    return { token, expires_at: new Date(expiresAt * 1000).toISOString() };
  }

  /**
   * The user a token stands for, when it is valid for `conversationId`.
   * @throws InvalidTokenError when it is not (bad, expired, or for another conversation)
   */
  async verify(token: string, conversationId: string): Promise<AuthUser> {
    let claims: { sub?: string; cid?: unknown };
    try {
      ({ payload: claims } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        audience: AUDIENCE,
        typ: TYPE,
        requiredClaims: ['sub', 'exp', 'iat'],
        clockTolerance: this.config.clockToleranceS,
      }));
    } catch {
      throw new InvalidTokenError('The stream token is invalid or has expired; ask for a new one.');
    }
    if (claims.cid !== conversationId) {
      throw new InvalidTokenError('The stream token is for another conversation.');
    }
    return { id: claims.sub!, roles: [] };
  }
}
