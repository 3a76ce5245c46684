import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';

/** What a person decided on one pending tool call. */
export type ApprovalDecisionType = 'approve' | 'reject' | 'edit';

/** One decision of `POST .../runs/{run_id}/approvals`. */
export class ApprovalDecisionDto {
  @ApiProperty({ description: 'The pending call, as its `approval_required` event names it.' })
  @IsString()
  @MaxLength(200)
  tool_call_id!: string;

  @ApiProperty({
    enum: ['approve', 'reject', 'edit'],
    description:
      '`approve` runs the call; `edit` runs it with `args` instead; `reject` runs nothing and ' +
      'the model reads `message` (or a default) as the call’s error result.',
  })
  @IsIn(['approve', 'reject', 'edit'])
  decision!: ApprovalDecisionType;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'The arguments to run the call with; required with `edit`, refused otherwise.',
  })
  @IsOptional()
  @IsObject()
  args?: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'With `reject`: what the model is told instead of the result.',
    maxLength: 2000,
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  message?: string;
}

/** Body of `POST .../runs/{run_id}/approvals`: one decision per pending tool call. */
export class ApprovalsDto {
  @ApiProperty({ type: [ApprovalDecisionDto], minItems: 1, maxItems: 100 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ApprovalDecisionDto)
  decisions!: ApprovalDecisionDto[];
}

/** A tool call waiting for a decision. */
export class PendingApprovalResponse {
  @ApiProperty() tool_call_id!: string;
  @ApiProperty() tool_name!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) args!: Record<string, unknown>;
}

/** Answer of `POST .../messages` (202) when the run paused for approval. */
export class AwaitingApprovalResponse {
  @ApiProperty({ format: 'uuid' }) run_id!: string;
  @ApiProperty({ enum: ['awaiting_approval'] }) status!: 'awaiting_approval';
  @ApiProperty({ type: [PendingApprovalResponse] }) approvals!: PendingApprovalResponse[];
}
