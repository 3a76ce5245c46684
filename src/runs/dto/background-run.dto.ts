import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, ValidateIf } from 'class-validator';
import { MessageResponse } from '../../conversations/dto/conversation.response';
import type { RunStatus } from '../run.entity';
import { SendMessageDto } from './run.dto';

const RUN_STATUSES: RunStatus[] = [
  'running',
  'awaiting_approval',
  'completed',
  'failed',
  'cancelled',
];

/** Body of `POST .../runs`: a message, and where to report the run's end. */
export class StartRunDto extends SendMessageDto {
  @ApiPropertyOptional({
    description:
      'Where to POST the run’s end (Standard Webhooks, signed). https only unless the server ' +
      'allows http; private, loopback and link-local addresses are refused unless allowed. ' +
      'Without it, the server’s WEBHOOKS_DEFAULT_URL, if any.',
    maxLength: 2048,
    format: 'uri',
  })
  // Absent is "no webhook"; null is a wrong type, like any other non-string.
  @ValidateIf((body: StartRunDto) => body.webhook_url !== undefined)
  @IsString()
  @MaxLength(2048)
  webhook_url?: string;
}

/** How a failed run ended. */
export class RunErrorResponse {
  @ApiProperty() code!: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'Null once the events are gone.' })
  message!: string | null;
  @ApiProperty({ type: 'boolean', nullable: true }) retryable!: boolean | null;
}

/** A run: where it is, and once over, its answer or its error. */
export class RunResponse {
  @ApiProperty({ format: 'uuid' }) run_id!: string;
  @ApiProperty({ format: 'uuid' }) conversation_id!: string;
  @ApiProperty({ enum: RUN_STATUSES }) status!: RunStatus;
  @ApiProperty({
    type: 'string',
    nullable: true,
    enum: ['stop', 'cancelled', 'timeout', 'length'],
  })
  finish_reason!: string | null;
  @ApiProperty({ type: MessageResponse, nullable: true, description: 'The final answer.' })
  message!: MessageResponse | null;
  @ApiProperty({ type: RunErrorResponse, nullable: true }) error!: RunErrorResponse | null;
  @ApiProperty({ type: 'string', nullable: true }) webhook_url!: string | null;
  @ApiProperty({ description: 'Seq of the run’s last stored event.' }) last_seq!: number;
  @ApiProperty({ description: 'False once retention deleted the run’s events.' })
  events_available!: boolean;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  finished_at!: string | null;
}
