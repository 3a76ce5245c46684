import { registerAs } from '@nestjs/config';
import { webhooksEnvSchema } from './env.schema';
import { parseEnv } from './validate-environment';

/** Webhooks at the end of runs: the signing secret, allowed destinations, retries, the worker. */
export const webhooksConfig = registerAs('webhooks', () => {
  const env = parseEnv(webhooksEnvSchema, process.env);
  return {
    /** Standard Webhooks secret (`whsec_...`); without it no webhook is accepted or sent. */
    secret: env.WEBHOOKS_SECRET,
    /** Where a run without its own `webhook_url` reports its end; unset: nowhere. */
    defaultUrl: env.WEBHOOKS_DEFAULT_URL,
    /** Plain `http:` destinations (tests, private networks); https only otherwise. */
    allowHttp: env.WEBHOOKS_ALLOW_HTTP,
    /** Private, loopback and link-local destinations; refused otherwise (SSRF). */
    allowPrivate: env.WEBHOOKS_ALLOW_PRIVATE,
    /** How long a delivery is retried after the run ended before it is given up. */
    retryForMs: env.WEBHOOKS_RETRY_FOR_MS,
    backoffBaseMs: env.WEBHOOKS_BACKOFF_BASE_MS,
    backoffMaxMs: env.WEBHOOKS_BACKOFF_MAX_MS,
    /** How often each instance looks for deliveries that are due. */
    pollMs: env.WEBHOOKS_POLL_MS,
    /** How long a claimed delivery is this instance's; after that, any instance may take it. */
    leaseMs: env.WEBHOOKS_LEASE_MS,
    /** Most deliveries one instance claims at a time. */
    batch: env.WEBHOOKS_BATCH,
  };
});

/** The typed `webhooks` namespace. */
export type WebhooksConfig = ReturnType<typeof webhooksConfig>;
