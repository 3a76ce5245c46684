import { registerAs } from '@nestjs/config';
import { authEnvSchema } from './env.schema';
import { parseEnv } from './validate-environment';

/** Bearer-token auth: an HS256 secret, a JWKS URL, or neither (auth off, every caller is `local`). */
export const authConfig = registerAs('auth', () => {
  const env = parseEnv(authEnvSchema, process.env);
  const mode: 'hs256' | 'jwks' | 'off' = env.AUTH_JWT_SECRET
    ? 'hs256'
    : env.AUTH_JWKS_URL
      ? 'jwks'
      : 'off';
  return {
    mode,
    jwtSecret: env.AUTH_JWT_SECRET,
    jwksUrl: env.AUTH_JWKS_URL,
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
    maxTokenAgeS: env.AUTH_MAX_TOKEN_AGE_S,
    clockToleranceS: env.AUTH_CLOCK_TOLERANCE_S,
    streamTokenSecret: env.AUTH_STREAM_TOKEN_SECRET,
    streamTokenTtlS: env.AUTH_STREAM_TOKEN_TTL_S,
  };
});

/** The typed `auth` namespace. */
export type AuthConfig = ReturnType<typeof authConfig>;
