import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookDispatcher } from './webhook-dispatcher.service';
import { WebhookOutbox } from './webhook-outbox';
import { WebhookUrlPolicy } from './webhook-url.policy';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Webhooks at the end of runs: the outbox (written by the runs module in the statement that ends a
 * run), its delivery worker, the check of a `webhook_url`, and the operators' endpoints.
 */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookDeliveryEntity])],
  controllers: [WebhooksController],
  providers: [WebhookOutbox, WebhookUrlPolicy, WebhookDispatcher, WebhooksService],
  exports: [WebhookOutbox, WebhookUrlPolicy],
})
export class WebhooksModule {}
