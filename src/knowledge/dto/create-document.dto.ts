import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsDocumentMetadata } from './json-object.validator';

/** Has a character other than white space. */
const NOT_BLANK = /\S/;

/** Body of `POST /knowledge/documents`. */
export class CreateDocumentDto {
  @ApiProperty({ maxLength: 500, example: 'Refund policy' })
  @IsString()
  @MaxLength(500)
  @Matches(NOT_BLANK, { message: 'title must not be empty' })
  title!: string;

  @ApiProperty({
    description:
      'Plain text, at most MAX_DOCUMENT_BYTES UTF-8 bytes (413 beyond); the whole body must also ' +
      'fit in MAX_BODY_BYTES.',
    example: 'Purchases can be refunded within 30 days of delivery.',
  })
  @IsString()
  @Matches(NOT_BLANK, { message: 'content must not be empty' })
  content!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { source: 'faq' } })
  @IsOptional()
  @IsDocumentMetadata()
  metadata?: Record<string, unknown>;
}
