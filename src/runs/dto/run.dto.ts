import { ApiHideProperty, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { MessageResponse } from '../../conversations/dto/conversation.response';
import type { RunEvent } from '../run-event.types';

/** Body of `POST .../messages` and `POST .../stream`. */
export class SendMessageDto {
  @ApiProperty({
    description: 'The user message (at most MAX_MESSAGE_CHARS characters, not only white space).',
  })
  @IsString()
  @Matches(/\S/, { message: 'content must not be empty or only white space' })
  content!: string;
}

const EVENT_ID = /^[0-9a-fA-F-]{36}:\d{1,9}$/;

/** `?format=` of `POST .../stream`. */
export class StreamQueryDto {
  @ApiPropertyOptional({ enum: ['sse', 'ndjson'], description: 'Overrides the Accept header.' })
  @IsOptional()
  @IsIn(['sse', 'ndjson'])
  format?: 'sse' | 'ndjson';

  /** A stream token (read by the auth guard; described as a security scheme, not a parameter). */
  @ApiHideProperty()
  @IsOptional()
  @IsString()
  access_token?: string;
}

/** `?format=&last_event_id=` of `GET .../stream`. */
export class ResumeQueryDto extends StreamQueryDto {
  @ApiPropertyOptional({
    description: '`<run_id>:<seq>`, as the `Last-Event-ID` header.',
    pattern: EVENT_ID.source,
  })
  @IsOptional()
  @Matches(EVENT_ID, { message: 'must be <run_id>:<seq>' })
  last_event_id?: string;
}

/** `?after=` of `GET .../events`. */
export class EventsQueryDto {
  @ApiPropertyOptional({
    description: '`<run_id>:<seq>` of the last event the client has.',
    pattern: EVENT_ID.source,
  })
  @IsOptional()
  @Matches(EVENT_ID, { message: 'must be <run_id>:<seq>' })
  after?: string;
}

/** Token use of a run. */
export class UsageResponse {
  @ApiProperty() input_tokens!: number;
  @ApiProperty() output_tokens!: number;
  @ApiProperty({ description: 'True when counted with a tokenizer rather than reported.' })
  estimated!: boolean;
}

/** Answer of `POST .../messages`: one whole run. */
export class RunResultResponse {
  @ApiProperty({ type: MessageResponse }) user_message!: MessageResponse;
  @ApiProperty({ type: MessageResponse }) assistant_message!: MessageResponse;
  @ApiProperty({ type: UsageResponse }) usage!: UsageResponse;
}

/** Answer of `POST .../cancel`. */
export class CancelResponse {
  @ApiProperty({ format: 'uuid' }) run_id!: string;
  @ApiProperty({ enum: ['cancelling'] }) status!: 'cancelling';
}

/** Answer of `GET .../events`. */
export class EventsResponse {
  @ApiProperty({ type: 'array', items: { $ref: getSchemaPath('RunEvent') } })
  events!: RunEvent[];
  @ApiProperty({ description: 'True when no event will follow these.' }) done!: boolean;
}
