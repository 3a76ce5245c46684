import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { ValidationFailedException } from '../../common/errors/domain.exception';

/** The most messages (and parts of one message) a request may carry; only the last one is read. */
const MAX_ITEMS = 10_000;

/** A `UIMessage` of the AI SDK as `DefaultChatTransport` sends it. */
export class AiSdkMessageDto {
  @ApiProperty({ description: 'Chosen by the client.', maxLength: 255 })
  @IsString()
  @MaxLength(255)
  id!: string;

  @ApiProperty({ enum: ['system', 'user', 'assistant'] })
  @IsIn(['system', 'user', 'assistant'])
  role!: 'system' | 'user' | 'assistant';

  @ApiPropertyOptional({ description: 'Ignored.' })
  @Allow()
  metadata?: unknown;

  @ApiProperty({
    description: "The message's parts; of the last message, the `text` parts are read.",
    type: 'array',
    items: { type: 'object', additionalProperties: true },
  })
  @IsArray()
  @ArrayMaxSize(MAX_ITEMS)
  @IsObject({ each: true })
  parts!: Record<string, unknown>[];
}

/**
 * Body of `POST /ai-sdk/chat`: what `DefaultChatTransport` sends (`useChat`'s default). The chat
 * id is the conversation; the last message, a user message, is the new one (the server keeps the
 * history, so the earlier messages are not read).
 */
export class AiSdkChatRequestDto {
  @ApiProperty({ format: 'uuid', description: "The chat's id: a conversation of the caller." })
  @IsUUID()
  id!: string;

  @ApiProperty({ type: [AiSdkMessageDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => AiSdkMessageDto)
  messages!: AiSdkMessageDto[];

  @ApiPropertyOptional({
    enum: ['submit-message', 'regenerate-message'],
    description: 'A regenerate sends the last user message again, as a new turn.',
  })
  @IsOptional()
  @IsIn(['submit-message', 'regenerate-message'])
  trigger?: 'submit-message' | 'regenerate-message';

  @ApiPropertyOptional({ description: 'Ignored.' })
  @IsOptional()
  @IsString()
  messageId?: string;
}

/** The new user message of a chat request. */
export interface AiSdkChatTurn {
  content: string;
  /**
   * Idempotency key derived from the client's id of the submitted message, so that the same
   * message sent twice (a retried request) starts one run; none for a regenerate, which sends
   * the same message again on purpose.
   */
  idempotencyKey?: string;
}

const VISIBLE_ASCII = /^[\x21-\x7e]{1,240}$/;

/**
 * The text of the request's last message, which must be a user message with text: its `text`
 * parts joined (other parts, such as files, are not read).
 * @throws 400 naming the field otherwise
 */
export function readChatTurn(body: AiSdkChatRequestDto): AiSdkChatTurn {
  const index = body.messages.length - 1;
  const last = body.messages[index];
  if (last.role !== 'user') {
    throw new ValidationFailedException([
      { field: `messages.${index}.role`, message: 'the last message must be a user message' },
    ]);
  }
  const texts = last.parts.filter((part) => part.type === 'text').map((part) => part.text);
  if (!texts.every((text) => typeof text === 'string')) {
    throw new ValidationFailedException([
      { field: `messages.${index}.parts`, message: 'the text of a text part must be a string' },
    ]);
  }
  const content = texts.join('');
  if (!/\S/.test(content)) {
    throw new ValidationFailedException([
      { field: `messages.${index}.parts`, message: 'the last message must have text' },
    ]);
  }
  const derived =
    body.trigger !== 'regenerate-message' && VISIBLE_ASCII.test(last.id)
      ? `ai-sdk:${last.id}`
      : undefined;
  return { content, idempotencyKey: derived };
}
