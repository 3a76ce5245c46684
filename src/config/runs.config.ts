import { registerAs } from '@nestjs/config';
import { runsEnvSchema } from './env.schema';
import { parseEnv } from './validate-environment';

/**
 * Agent runs: limits, admission of bursts, closing the runs of processes that died, and how long
 * a run paused for approval waits.
 */
export const runsConfig = registerAs('runs', () => {
  const env = parseEnv(runsEnvSchema, process.env);
  return {
    maxActive: env.RUNS_MAX_ACTIVE,
    maxActivePerUser: env.RUNS_MAX_ACTIVE_PER_USER,
    startConcurrency: env.RUNS_START_CONCURRENCY,
    startQueueMs: env.RUNS_START_QUEUE_MS,
    abandonedCheckMs: env.RUNS_ABANDONED_CHECK_MS,
    approvalTimeoutMs: env.RUNS_APPROVAL_TIMEOUT_MS,
    /** How long the events of an ended run are kept; 0 keeps them for ever. */
    eventsRetentionMs: env.RUNS_EVENTS_RETENTION_MS,
    eventsRetentionCheckMs: env.RUNS_EVENTS_RETENTION_CHECK_MS,
    eventsRetentionBatch: env.RUNS_EVENTS_RETENTION_BATCH,
  };
});

/** The typed `runs` namespace. */
export type RunsConfig = ReturnType<typeof runsConfig>;
