import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerAs } from '@nestjs/config';
import { appEnvSchema } from './env.schema';
import { parseEnv } from './validate-environment';

// package.json sits two levels up from both src/config and dist/config.
const packageVersion = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

/** Process-wide settings: listen address, logging, request limits, shutdown. */
export const appConfig = registerAs('app', () => {
  const env = parseEnv(appEnvSchema, process.env);
  return {
    version: packageVersion,
    startedAt: new Date(),
    nodeEnv: env.NODE_ENV,
    isProduction: env.NODE_ENV === 'production',
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT,
    corsOrigins: env.CORS_ORIGINS,
    /** Serve the demo chat page at /demo (a development aid; off unless set). */
    demoPageEnabled: env.DEMO_PAGE_ENABLED,
    maxBodyBytes: env.MAX_BODY_BYTES,
    maxMessageChars: env.MAX_MESSAGE_CHARS,
    rateLimit: { ttlMs: env.RATE_LIMIT_TTL_MS, limit: env.RATE_LIMIT_MAX },
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    metricsPrefix: env.METRICS_PREFIX,
    /** Strict-Transport-Security: only when clients reach the server over TLS (a proxy's). */
    hsts: env.HTTP_HSTS,
  };
});

/** The typed `app` namespace. */
export type AppConfig = ReturnType<typeof appConfig>;
