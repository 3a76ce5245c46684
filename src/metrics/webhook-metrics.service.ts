import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { METRIC_NAMES as M } from './metric-names';

/** How one webhook attempt left its delivery. */
export type WebhookDeliveryOutcome = 'delivered' | 'retrying' | 'failed';

/** Why a webhook attempt failed. */
export type WebhookFailureReason = 'status' | 'network' | 'timeout' | 'refused' | 'circuit_open';

/** Webhook metrics: attempts by outcome, failures by reason, and the outbox's queue depth. */
@Injectable()
export class WebhookMetrics {
  constructor(
    @InjectMetric(M.webhookDeliveries) private readonly deliveries: Counter<'outcome'>,
    @InjectMetric(M.webhookFailures) private readonly failures: Counter<'reason'>,
    @InjectMetric(M.webhookQueueDepth) private readonly depth: Gauge,
  ) {}

  /** Counts one attempt by how it left the delivery. */
  attempt(outcome: WebhookDeliveryOutcome): void {
    this.deliveries.inc({ outcome });
  }

  /** Counts one failed attempt by reason. */
  failure(reason: WebhookFailureReason): void {
    this.failures.inc({ reason });
  }

  /** Sets the number of deliveries waiting. */
  queueDepth(count: number): void {
    this.depth.set(count);
  }
}
