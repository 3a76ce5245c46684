import { registerAs } from '@nestjs/config';
import { healthEnvSchema } from './env.schema';
import { parseEnv } from './validate-environment';

const MIB = 1024 * 1024;

/** Health checks (timeouts, thresholds, who may read the details) and the monitoring endpoint. */
export const healthConfig = registerAs('health', () => {
  const env = parseEnv(healthEnvSchema, process.env);
  return {
    /** Longest any one indicator may take before it is reported down. */
    checkTimeoutMs: env.HEALTH_CHECK_TIMEOUT_MS,
    /** `/health/detailed` without an admin token (it shows versions and internals). */
    detailedPublic: env.HEALTH_DETAILED_PUBLIC,
    memory: {
      heapMaxBytes: env.HEALTH_HEAP_MAX_MB * MIB,
      rssMaxBytes: env.HEALTH_RSS_MAX_MB * MIB,
    },
    /** `path` unset: `./.data` when it exists, else the working directory. */
    disk: { path: env.HEALTH_DISK_PATH, maxUsedPercent: env.HEALTH_DISK_MAX_USED_PERCENT },
    eventLoopDelayMaxMs: env.HEALTH_EVENT_LOOP_DELAY_MAX_MS,
    llmProbe: { timeoutMs: env.HEALTH_LLM_PROBE_TIMEOUT_MS, cacheMs: env.HEALTH_LLM_CACHE_MS },
    monitoring: {
      enabled: env.ENABLE_MONITORING,
      intervalMs: env.MONITORING_INTERVAL_MS,
      windowMs: env.MONITORING_WINDOW_MS,
    },
  };
});

/** The typed `health` namespace. */
export type HealthConfig = ReturnType<typeof healthConfig>;
