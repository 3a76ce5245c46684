import { registerAs } from '@nestjs/config';
import {
  BREAKER_NAMES,
  resilienceEnvSchema,
  type BreakerConfig,
  type BreakerName,
} from './env.schema';
import { parseEnv } from './validate-environment';

/** Settings of every circuit breaker, by name. */
export const resilienceConfig = registerAs('resilience', () => {
  const env = parseEnv(resilienceEnvSchema, process.env);
  const breakers = {} as Record<BreakerName, BreakerConfig>;
  for (const name of BREAKER_NAMES) {
    const prefix = `CB_${name.toUpperCase()}_`;
    breakers[name] = {
      failureThreshold: env[`${prefix}FAILURE_THRESHOLD`],
      recoveryTimeoutMs: env[`${prefix}RECOVERY_TIMEOUT_MS`],
      maxRecoveryTimeoutMs: env[`${prefix}MAX_RECOVERY_TIMEOUT_MS`],
      successThreshold: env[`${prefix}SUCCESS_THRESHOLD`],
      callTimeoutMs: env[`${prefix}CALL_TIMEOUT_MS`],
    };
  }
  return { breakers };
});

/** The typed `resilience` namespace. */
export type ResilienceConfig = ReturnType<typeof resilienceConfig>;
