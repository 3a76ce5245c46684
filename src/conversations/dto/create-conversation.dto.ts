import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsMetadataObject } from './conversation-body.validators';

/** Body of `POST /conversations`. */
export class CreateConversationDto {
  @ApiPropertyOptional({ type: String, maxLength: 500, nullable: true, example: 'Trip to Lisbon' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  title?: string | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { tag: 'travel' } })
  @IsOptional()
  @IsMetadataObject()
  metadata?: Record<string, unknown>;
}
