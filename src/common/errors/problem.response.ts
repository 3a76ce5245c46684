import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { FieldError } from './domain.exception';
import type { ProblemDetails } from './problem-details';

/** One field that failed validation, as listed in `errors`. */
export class FieldErrorResponse implements FieldError {
  @ApiProperty({ description: 'Dotted path of the field (`metadata.tags.1`), or a header name.' })
  field!: string;
  @ApiProperty() message!: string;
}

/** The OpenAPI description of every error answer (RFC 9457 `application/problem+json`). */
export class ProblemResponse implements ProblemDetails {
  [extension: string]: unknown;

  @ApiProperty({
    description: '`urn:agent-server:problem:<code>`',
    example: 'urn:agent-server:problem:run_active',
  })
  type!: string;
  @ApiProperty({ description: 'The HTTP status text.', example: 'Conflict' }) title!: string;
  @ApiProperty({ example: 409 }) status!: number;
  @ApiProperty({ description: 'What went wrong this time, for a person.' }) detail!: string;
  @ApiProperty({ description: 'The request id (also in `X-Request-Id` and the server log).' })
  instance!: string;
  @ApiProperty({
    description:
      'Machine-readable error code: `validation_failed`, `unauthorized`, `conversation_not_found`, ' +
      '`run_active`, `rate_limited`, `llm_unavailable`, …',
    example: 'run_active',
  })
  code!: string;
  @ApiPropertyOptional({ type: [FieldErrorResponse], description: 'Every field that failed.' })
  errors?: FieldErrorResponse[];
  @ApiPropertyOptional({
    format: 'uuid',
    description: '`run_active`: the run that is in the way (follow or cancel it).',
  })
  run_id?: string;
}
