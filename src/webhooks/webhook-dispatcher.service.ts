import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { webhooksConfig, type WebhooksConfig } from '../config';
import { WebhookMetrics, type WebhookFailureReason } from '../metrics';
import { CallTimeoutError, CircuitBreakerRegistry, CircuitOpenError } from '../resilience';
import { retryDelayMs } from './webhook-backoff';
import { RefusedDestinationError } from './webhook-destination';
import { type ClaimedDelivery, WebhookOutbox } from './webhook-outbox';
import { ReceiverStatusError, sendWebhook } from './webhook-sender';

/**
 * Delivers the outbox, on every instance: every `WEBHOOKS_POLL_MS` it claims due deliveries (as
 * many as `WEBHOOKS_BATCH`, none that another instance holds), sends each through the `webhooks`
 * breaker of its destination host, and records the outcome: delivered, due again after an
 * exponential backoff with jitter, or given up once `WEBHOOKS_RETRY_FOR_MS` has passed. A delivery
 * whose instance dies mid-send is taken again when its lease (`WEBHOOKS_LEASE_MS`) is over, so
 * each notification arrives at least once; receivers de-duplicate by `webhook-id`.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private readonly stopping = new AbortController();

  constructor(
    private readonly outbox: WebhookOutbox,
    private readonly breakers: CircuitBreakerRegistry,
    private readonly metrics: WebhookMetrics,
    @Inject(webhooksConfig.KEY) private readonly config: WebhooksConfig,
  ) {}

  onApplicationBootstrap(): void {
    // Without a secret nothing is enqueued (see WebhookOutbox.enqueueRunEnd), nor sent.
    if (!this.config.secret) return;
    this.timer = setInterval(() => void this.tick(), this.config.pollMs);
    this.timer.unref();
  }

  /** Stops claiming, aborts sends in flight (their leases run out), waits for the round to end. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    await this.ticking;
  }

  /** One round: claim what is due and deliver it; never rejects, never overlaps another round. */
  tick(): Promise<void> {
    this.ticking ??= this.round()
      .catch((error: unknown) => this.logger.warn(`Webhook round failed: ${String(error)}`))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async round(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    const claimed = await this.outbox.claim(this.config.batch, this.config.leaseMs);
    await Promise.all(claimed.map((delivery) => this.deliver(delivery)));
    this.metrics.queueDepth(await this.outbox.queueDepth());
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const startedAt = performance.now();
    const rules = { allowHttp: this.config.allowHttp, allowPrivate: this.config.allowPrivate };
    try {
      const breaker = this.breakers.forKey('webhooks', hostOf(delivery.url));
      const result = await breaker.execute(
        (signal) => sendWebhook(delivery, this.config.secret!, rules, signal),
        { signal: this.stopping.signal },
      );
      await this.outbox.delivered(delivery.id, {
        statusCode: result.statusCode,
        error: null,
        durationMs: performance.now() - startedAt,
      });
      this.metrics.attempt('delivered');
    } catch (error) {
      // Shutting down: the lease runs out and another instance (or the next start) sends it.
      if (this.stopping.signal.aborted) return;
      const reason = reasonOf(error);
      this.metrics.failure(reason);
      let delay = retryDelayMs(
        delivery.attempts,
        this.config.backoffBaseMs,
        this.config.backoffMaxMs,
      );
      if (error instanceof CircuitOpenError) delay = Math.max(delay, error.retryAfterMs);
      const status = await this.outbox.failed(
        delivery.id,
        {
          statusCode: error instanceof ReceiverStatusError ? error.status : null,
          error: messageOf(error),
          durationMs: performance.now() - startedAt,
        },
        delay,
      );
      this.metrics.attempt(status === 'failed' ? 'failed' : 'retrying');
      if (status === 'failed') {
        this.logger.warn(`Gave up webhook ${delivery.id} after ${delivery.attempts} attempts`);
      }
    }
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid';
  }
}

function reasonOf(error: unknown): WebhookFailureReason {
  if (error instanceof ReceiverStatusError) return 'status';
  if (error instanceof RefusedDestinationError) return 'refused';
  if (error instanceof CircuitOpenError) return 'circuit_open';
  if (error instanceof CallTimeoutError) return 'timeout';
  return 'network';
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
