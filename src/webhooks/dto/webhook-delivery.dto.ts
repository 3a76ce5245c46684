import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import type { WebhookDeliveryStatus } from '../webhook-delivery.entity';
import type { DeliveryRow } from '../webhook-outbox';

const STATUSES: WebhookDeliveryStatus[] = ['pending', 'delivered', 'failed'];

/** `?status=&run_id=&limit=` of the deliveries list. */
export class DeliveriesQueryDto extends PickType(PageQueryDto, ['limit'] as const) {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: WebhookDeliveryStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  run_id?: string;
}

/** One attempt of a delivery. */
export class WebhookAttemptResponse {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ type: 'integer', nullable: true }) status_code!: number | null;
  @ApiProperty({ type: 'string', nullable: true }) error!: string | null;
  @ApiProperty() duration_ms!: number;
}

/** A webhook delivery as operators see it. */
export class WebhookDeliveryResponse {
  @ApiProperty({ format: 'uuid', description: 'Also the `webhook-id` header.' }) id!: string;
  @ApiProperty({ format: 'uuid' }) run_id!: string;
  @ApiProperty({ format: 'uuid' }) conversation_id!: string;
  @ApiProperty({ example: 'run.completed' }) event_type!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: STATUSES }) status!: WebhookDeliveryStatus;
  @ApiProperty() attempts!: number;
  @ApiProperty({
    type: [WebhookAttemptResponse],
    description: 'The latest attempts, oldest first.',
  })
  attempt_log!: WebhookAttemptResponse[];
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  next_attempt_at!: string | null;
  @ApiProperty({ format: 'date-time' }) give_up_at!: string;
  @ApiProperty({ type: 'integer', nullable: true }) last_status_code!: number | null;
  @ApiProperty({ type: 'string', nullable: true }) last_error!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  delivered_at!: string | null;

  static from(row: DeliveryRow): WebhookDeliveryResponse {
    return {
      ...row,
      next_attempt_at: row.next_attempt_at?.toISOString() ?? null,
      give_up_at: row.give_up_at.toISOString(),
      created_at: row.created_at.toISOString(),
      delivered_at: row.delivered_at?.toISOString() ?? null,
    };
  }
}

/** Answer of the deliveries list. */
export class WebhookDeliveryList {
  @ApiProperty({ type: [WebhookDeliveryResponse] }) items!: WebhookDeliveryResponse[];
}
