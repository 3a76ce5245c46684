import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
} from 'class-validator';
import { ValidationFailedException } from '../../common/errors/domain.exception';

/** The most items of a list in the input; only the last message is read. */
const MAX_ITEMS = 10_000;
const anyObjects = {
  type: 'array',
  items: { type: 'object', additionalProperties: true },
} as const;

/** An optional list of objects the adapter accepts and does not read. */
const OptionalObjectList = (description: string) =>
  applyDecorators(
    ApiPropertyOptional({ ...anyObjects, description }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(MAX_ITEMS),
    IsObject({ each: true }),
  );

/**
 * AG-UI's `RunAgentInput`, as `HttpAgent` sends it. `threadId` is a conversation of the caller;
 * the last message, a user message, is the new one (the server keeps the history).
 */
export class AgUiRunInputDto {
  @ApiProperty({ format: 'uuid', description: 'A conversation of the caller.' })
  @IsUUID()
  threadId!: string;

  @ApiProperty({
    description: "The client's id of the run; a repeated one streams that run again.",
    pattern: '^[\\x21-\\x7e]{1,240}$',
  })
  @IsString()
  @Matches(/^[\x21-\x7e]{1,240}$/, { message: 'must be 1 to 240 visible ASCII characters' })
  runId!: string;

  @ApiPropertyOptional({ description: 'Ignored.' })
  @IsOptional()
  @IsString()
  parentRunId?: string;

  @ApiPropertyOptional({ description: 'The protocol version of the client (ignored).' })
  @IsOptional()
  @IsString()
  protocolVersion?: string;

  @ApiProperty({
    ...anyObjects,
    description: 'AG-UI messages; the last one must be a user message with text.',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ITEMS)
  @IsObject({ each: true })
  messages!: Record<string, unknown>[];

  @OptionalObjectList('Frontend tools: not offered to the agent.')
  tools?: Record<string, unknown>[];

  @OptionalObjectList('Ignored.')
  context?: Record<string, unknown>[];

  @ApiPropertyOptional({ description: 'Ignored.' })
  @Allow()
  state?: unknown;

  @ApiPropertyOptional({ description: 'Ignored.' })
  @Allow()
  forwardedProps?: unknown;

  @OptionalObjectList('Answers to interrupts: not supported.')
  resume?: Record<string, unknown>[];
}

/**
 * The text of the input's last message, which must be a user message: its `content` string, or
 * its `text` parts joined.
 * @throws 400 naming the field otherwise
 */
export function readAgUiMessage(input: AgUiRunInputDto): string {
  const index = input.messages.length - 1;
  const last = input.messages[index];
  const field = `messages.${index}`;
  if (last.role !== 'user') {
    throw new ValidationFailedException([
      { field: `${field}.role`, message: 'the last message must be a user message' },
    ]);
  }
  const content = textOf(last.content);
  if (content === undefined || !/\S/.test(content)) {
    throw new ValidationFailedException([
      { field: `${field}.content`, message: 'must be text, or parts with text' },
    ]);
  }
  return content;
}

function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  let text = '';
  for (const part of content as unknown[]) {
    if (typeof part !== 'object' || part === null) return undefined;
    const { type, text: partText } = part as { type?: unknown; text?: unknown };
    if (type !== 'text') continue;
    if (typeof partText !== 'string') return undefined;
    text += partText;
  }
  return text;
}
