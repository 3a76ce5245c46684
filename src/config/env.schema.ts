import { z } from 'zod';
import {
  boolVar,
  enumVar,
  intVar,
  listVar,
  metricsPrefixVar,
  optionalString,
  optionalUrl,
} from './env.helpers';

/**
 * Every environment variable the service reads, grouped by concern. Each group is parsed into one
 * typed config namespace (see `*.config.ts`); `validateEnvironment` parses them all at start so that
 * a bad value stops the process with a message naming the variable.
 */
export const appEnvSchema = z.object({
  NODE_ENV: enumVar(['development', 'production', 'test'], 'development'),
  PORT: intVar(8000, 1, 65535),
  HOST: optionalString().transform((v) => v ?? '0.0.0.0'),
  LOG_LEVEL: enumVar(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  LOG_FORMAT: enumVar(['auto', 'json', 'pretty'], 'auto'),
  CORS_ORIGINS: listVar([]),
  DEMO_PAGE_ENABLED: boolVar(false),
  MAX_BODY_BYTES: intVar(256 * 1024, 1024, 64 * 1024 * 1024),
  MAX_MESSAGE_CHARS: intVar(32000, 1, 1_000_000),
  RATE_LIMIT_TTL_MS: intVar(60_000, 1000, 3_600_000),
  RATE_LIMIT_MAX: intVar(600, 0, 10_000_000),
  SHUTDOWN_GRACE_MS: intVar(25_000, 0, 600_000),
  WEB_CONCURRENCY: intVar(1, 1, 64),
  METRICS_PREFIX: metricsPrefixVar('agent_server_'),
  HTTP_HSTS: boolVar(false),
});

export const databaseEnvSchema = z.object({
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  DB_MIGRATIONS_RUN: boolVar(true),
  DB_POOL_SIZE: intVar(10, 1, 500),
  DB_POOL_WAIT_MS: intVar(10_000, 100, 600_000),
  DB_STATEMENT_TIMEOUT_MS: intVar(30_000, 0, 3_600_000),
  EMBEDDED_PG_DIR: optionalString().transform((v) => v ?? './.data/postgres'),
  EMBEDDED_PG_PORT: intVar(54329, 1, 65535),
});

export const authEnvSchema = z.object({
  AUTH_JWT_SECRET: optionalString().refine((v) => v === undefined || v.length >= 32, {
    message: 'must be at least 32 characters long (HS256 needs a 256-bit secret)',
  }),
  AUTH_JWKS_URL: optionalUrl(['https:', 'http:']),
  AUTH_ISSUER: optionalString(),
  AUTH_AUDIENCE: optionalString(),
  AUTH_MAX_TOKEN_AGE_S: intVar(86_400, 60, 31_536_000),
  AUTH_CLOCK_TOLERANCE_S: intVar(5, 0, 300),
  AUTH_STREAM_TOKEN_SECRET: optionalString().refine((v) => v === undefined || v.length >= 32, {
    message: 'must be at least 32 characters long',
  }),
  AUTH_STREAM_TOKEN_TTL_S: intVar(60, 5, 3600),
});

export const llmEnvSchema = z.object({
  LLM_PROVIDER: enumVar(['local', 'openai', 'anthropic', 'ollama'], 'local'),
  LLM_MODEL: optionalString(),
  OPENAI_BASE_URL: optionalUrl(['https:', 'http:']),
  OPENAI_API_KEY: optionalString(),
  ANTHROPIC_API_KEY: optionalString(),
  OLLAMA_BASE_URL: optionalUrl(['https:', 'http:']),
  LLM_TIMEOUT_MS: intVar(60_000, 100, 3_600_000),
  LLM_MAX_HISTORY_TOKENS: intVar(8000, 100, 2_000_000),
  LLM_MAX_MODEL_CALLS: intVar(8, 1, 100),
  LLM_MAX_TOOL_CALLS: intVar(16, 0, 500),
  LOCAL_MODEL_TOKEN_DELAY_MS: intVar(15, 0, 10_000),
  LLM_RESPONSE_CACHE_SIZE: intVar(1000, 0, 1_000_000),
  LLM_RESPONSE_CACHE_TTL_MS: intVar(3_600_000, 1000, 604_800_000),
  TOOLS_REQUIRE_APPROVAL: listVar(['set_reminder']),
  LLM_TITLES: boolVar(true),
});

export const streamEnvSchema = z.object({
  STREAM_HEARTBEAT_MS: intVar(15_000, 10, 3_600_000),
  STREAM_FLUSH_INTERVAL_MS: intVar(0, 0, 10_000),
  STREAM_MAX_BUFFER_BYTES: intVar(1024 * 1024, 1024, 1024 * 1024 * 1024),
  STREAM_MAX_CONNECTIONS: intVar(10_000, 1, 1_000_000),
  STREAM_ON_DISCONNECT: enumVar(['continue', 'cancel'], 'continue'),
  STREAM_MAX_PER_USER: intVar(20, 1, 1_000_000),
  STREAM_CHUNK_WINDOW_MS: intVar(20, 0, 10_000),
});

/** Agent runs: how many at once (in all, per user), admission of bursts, closing abandoned runs. */
export const runsEnvSchema = z.object({
  RUNS_MAX_ACTIVE: intVar(10_000, 1, 1_000_000),
  RUNS_MAX_ACTIVE_PER_USER: intVar(10, 1, 1_000_000),
  RUNS_START_CONCURRENCY: intVar(8, 1, 1000),
  RUNS_START_QUEUE_MS: intVar(10_000, 0, 600_000),
  RUNS_ABANDONED_CHECK_MS: intVar(2000, 100, 600_000),
  RUNS_APPROVAL_TIMEOUT_MS: intVar(3_600_000, 1000, 30 * 24 * 3_600_000),
  /** Events of runs that ended longer ago than this are deleted (messages are kept); 0 keeps them. */
  RUNS_EVENTS_RETENTION_MS: intVar(30 * 86_400_000, 0, 100 * 365 * 86_400_000),
  RUNS_EVENTS_RETENTION_CHECK_MS: intVar(3_600_000, 100, 86_400_000),
  /** Runs whose events one retention statement deletes (a short transaction per batch). */
  RUNS_EVENTS_RETENTION_BATCH: intVar(500, 1, 100_000),
});

/** The Standard Webhooks secret: `whsec_` and the base64 of 24 to 64 random bytes. */
const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/;

/** Webhooks at the end of runs: signing, where they may go, retries, the outbox worker. */
export const webhooksEnvSchema = z
  .object({
    WEBHOOKS_SECRET: optionalString().refine((v) => v === undefined || WEBHOOK_SECRET.test(v), {
      message: 'must be whsec_ followed by the base64 of 24 to 64 random bytes',
    }),
    WEBHOOKS_DEFAULT_URL: optionalUrl(['https:', 'http:']),
    WEBHOOKS_ALLOW_HTTP: boolVar(false),
    WEBHOOKS_ALLOW_PRIVATE: boolVar(false),
    WEBHOOKS_RETRY_FOR_MS: intVar(86_400_000, 1000, 30 * 86_400_000),
    WEBHOOKS_BACKOFF_BASE_MS: intVar(5000, 10, 3_600_000),
    WEBHOOKS_BACKOFF_MAX_MS: intVar(3_600_000, 10, 86_400_000),
    WEBHOOKS_POLL_MS: intVar(1000, 50, 600_000),
    WEBHOOKS_LEASE_MS: intVar(60_000, 1000, 3_600_000),
    WEBHOOKS_BATCH: intVar(10, 1, 1000),
  })
  .superRefine((env, ctx) => {
    if (env.WEBHOOKS_DEFAULT_URL !== undefined && env.WEBHOOKS_SECRET === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['WEBHOOKS_DEFAULT_URL'],
        message: 'needs WEBHOOKS_SECRET (every webhook is signed)',
      });
    }
  });

/** Health checks, and the built-in monitoring endpoint for operators without Prometheus. */
export const healthEnvSchema = z.object({
  HEALTH_CHECK_TIMEOUT_MS: intVar(2000, 50, 60_000),
  HEALTH_DETAILED_PUBLIC: boolVar(false),
  HEALTH_HEAP_MAX_MB: intVar(1024, 16, 1_048_576),
  HEALTH_RSS_MAX_MB: intVar(2048, 16, 1_048_576),
  HEALTH_DISK_PATH: optionalString(),
  HEALTH_DISK_MAX_USED_PERCENT: intVar(95, 1, 100),
  HEALTH_EVENT_LOOP_DELAY_MAX_MS: intVar(200, 1, 60_000),
  HEALTH_LLM_PROBE_TIMEOUT_MS: intVar(1500, 50, 60_000),
  HEALTH_LLM_CACHE_MS: intVar(10_000, 0, 3_600_000),
  ENABLE_MONITORING: boolVar(true),
  MONITORING_INTERVAL_MS: intVar(10_000, 100, 3_600_000),
  MONITORING_WINDOW_MS: intVar(300_000, 10_000, 3_600_000),
});

/**
 * The knowledge base: embeddings, chunking, document size, vector index. `KNOWLEDGE_CHUNK_OVERLAP`
 * must be smaller than `KNOWLEDGE_CHUNK_SIZE`, or the splitter could not make progress.
 */
export const knowledgeEnvSchema = z
  .object({
    EMBEDDINGS_PROVIDER: enumVar(['local', 'openai', 'ollama'], 'local'),
    EMBEDDINGS_MODEL: optionalString(),
    EMBEDDINGS_DIMENSIONS: intVar(0, 0, 16_000),
    EMBEDDINGS_TIMEOUT_MS: intVar(30_000, 100, 600_000),
    KNOWLEDGE_CHUNK_SIZE: intVar(1000, 50, 100_000),
    KNOWLEDGE_CHUNK_OVERLAP: intVar(200, 0, 50_000),
    MAX_DOCUMENT_BYTES: intVar(1024 * 1024, 1, 64 * 1024 * 1024),
    KNOWLEDGE_VECTOR_INDEX: enumVar(['auto', 'exact'], 'auto'),
  })
  .superRefine((env, ctx) => {
    if (env.KNOWLEDGE_CHUNK_OVERLAP >= env.KNOWLEDGE_CHUNK_SIZE) {
      ctx.addIssue({
        code: 'custom',
        path: ['KNOWLEDGE_CHUNK_OVERLAP'],
        message: `must be smaller than KNOWLEDGE_CHUNK_SIZE (${env.KNOWLEDGE_CHUNK_SIZE}), got ${env.KNOWLEDGE_CHUNK_OVERLAP}`,
      });
    }
  });

/** The breakers the service owns; each reads `CB_<NAME>_*`. */
export const BREAKER_NAMES = ['llm', 'vector_search', 'database', 'tools', 'webhooks'] as const;
/** The name of one circuit breaker. */
export type BreakerName = (typeof BREAKER_NAMES)[number];

/** Tuning of one circuit breaker, in milliseconds where it is a duration. */
export interface BreakerConfig {
  /** Consecutive counted failures that open a closed circuit. */
  readonly failureThreshold: number;
  /** How long the circuit stays open the first time. */
  readonly recoveryTimeoutMs: number;
  /** Cap for the open period, which doubles on each re-open from half-open. */
  readonly maxRecoveryTimeoutMs: number;
  /** Successful trial calls needed in half-open before the circuit closes. */
  readonly successThreshold: number;
  /** Hard limit on each call; the callee's AbortSignal fires when it passes. */
  readonly callTimeoutMs: number;
}

/** The defaults of any breaker; each named one has its own call timeout below. */
export const BREAKER_DEFAULTS: BreakerConfig = Object.freeze({
  failureThreshold: 5,
  recoveryTimeoutMs: 60_000,
  maxRecoveryTimeoutMs: 300_000,
  successThreshold: 2,
  callTimeoutMs: 10_000,
});

/** Default per-call timeout of each breaker: the dependency's own latency budget. */
export const DEFAULT_CALL_TIMEOUT_MS: Readonly<Record<BreakerName, number>> = Object.freeze({
  llm: 60_000,
  vector_search: 2_000,
  database: 5_000,
  tools: 10_000,
  webhooks: 10_000,
});

function breakerEnvShape(name: BreakerName) {
  const prefix = `CB_${name.toUpperCase()}_`;
  return {
    [`${prefix}FAILURE_THRESHOLD`]: intVar(BREAKER_DEFAULTS.failureThreshold, 1, 10_000),
    [`${prefix}RECOVERY_TIMEOUT_MS`]: intVar(BREAKER_DEFAULTS.recoveryTimeoutMs, 1, 86_400_000),
    [`${prefix}MAX_RECOVERY_TIMEOUT_MS`]: intVar(
      BREAKER_DEFAULTS.maxRecoveryTimeoutMs,
      1,
      86_400_000,
    ),
    [`${prefix}SUCCESS_THRESHOLD`]: intVar(BREAKER_DEFAULTS.successThreshold, 1, 10_000),
    [`${prefix}CALL_TIMEOUT_MS`]: intVar(DEFAULT_CALL_TIMEOUT_MS[name], 1, 3_600_000),
  };
}

export const resilienceEnvSchema = z.object(
  Object.assign({}, ...BREAKER_NAMES.map(breakerEnvShape)) as Record<
    string,
    ReturnType<typeof intVar>
  >,
);

/** Every group, in the order their errors are reported. */
export const ENV_SCHEMAS = [
  appEnvSchema,
  databaseEnvSchema,
  authEnvSchema,
  llmEnvSchema,
  streamEnvSchema,
  runsEnvSchema,
  resilienceEnvSchema,
  healthEnvSchema,
  knowledgeEnvSchema,
  webhooksEnvSchema,
] as const;
