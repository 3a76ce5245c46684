import { Injectable } from '@nestjs/common';
import { ErrorCode, NotFoundDomainException } from '../common/errors/domain.exception';
import { DeliveriesQueryDto, WebhookDeliveryResponse } from './dto/webhook-delivery.dto';
import { WebhookOutbox } from './webhook-outbox';

/** What operators do with webhook deliveries: read the recent ones, send one again. */
@Injectable()
export class WebhooksService {
  constructor(private readonly outbox: WebhookOutbox) {}

  async list(query: DeliveriesQueryDto): Promise<{ items: WebhookDeliveryResponse[] }> {
    const rows = await this.outbox.list({
      status: query.status,
      runId: query.run_id,
      limit: query.limit,
    });
    return { items: rows.map((row) => WebhookDeliveryResponse.from(row)) };
  }

  /** Makes the delivery due now (404 when there is none by that id). */
  async redeliver(id: string): Promise<WebhookDeliveryResponse> {
    const row = await this.outbox.redeliver(id);
    if (!row) throw new NotFoundDomainException(ErrorCode.NotFound, 'Webhook delivery');
    return WebhookDeliveryResponse.from(row);
  }
}
