import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../auth/auth.decorators';
import { uuidParam } from '../common/http/uuid-param.pipe';
import { DatabaseCalls } from '../database/database-calls';
import {
  DeliveriesQueryDto,
  WebhookDeliveryList,
  WebhookDeliveryResponse,
} from './dto/webhook-delivery.dto';
import { WebhooksService } from './webhooks.service';

/** Operators read recent webhook deliveries with their attempts, and send one again. */
@ApiTags('webhooks')
@ApiBearerAuth()
@AdminOnly()
@Controller('webhooks/deliveries')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly database: DatabaseCalls,
  ) {}

  /** The most recent deliveries, newest first. */
  @Get()
  @ApiOperation({ summary: 'List recent webhook deliveries (admin)' })
  @ApiOkResponse({ type: WebhookDeliveryList })
  list(@Query() query: DeliveriesQueryDto): Promise<WebhookDeliveryList> {
    return this.database.run(() => this.webhooks.list(query));
  }

  /** Makes a delivery due now, whatever its status, with the same `webhook-id`. */
  @Post(':delivery_id/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a webhook delivery again (admin)' })
  @ApiParam({ name: 'delivery_id', format: 'uuid' })
  @ApiAcceptedResponse({ type: WebhookDeliveryResponse })
  @ApiNotFoundResponse({ description: 'No delivery by that id.' })
  redeliver(
    @Param('delivery_id', uuidParam('delivery_id')) id: string,
  ): Promise<WebhookDeliveryResponse> {
    return this.database.run(() => this.webhooks.redeliver(id));
  }
}
