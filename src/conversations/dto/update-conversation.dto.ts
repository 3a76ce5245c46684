import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsMetadataObject } from './conversation-body.validators';

/** Body of `PATCH /conversations/{id}`: fields present are replaced; `title: null` clears it
 * (class-validator's `@IsOptional` lets null through for exactly that). */
export class UpdateConversationDto {
  @ApiPropertyOptional({ type: String, maxLength: 500, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  title?: string | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsMetadataObject()
  metadata?: Record<string, unknown>;
}
