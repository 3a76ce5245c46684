import { applyDecorators } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiServiceUnavailableResponse,
} from '@nestjs/swagger';

const indicators = {
  type: 'object',
  additionalProperties: { type: 'object', additionalProperties: true },
} as const;

/** A health answer, in Terminus's shape (not problem+json, also when it is a 503). */
export class HealthCheckResponse {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'] }) status!: string;
  @ApiProperty({ ...indicators, description: 'Indicators that are up, by name.' })
  info!: Record<string, unknown>;
  @ApiProperty({ ...indicators, description: 'Indicators that are down, by name.' })
  error!: Record<string, unknown>;
  @ApiProperty({ ...indicators, description: 'Every indicator, by name.' })
  details!: Record<string, unknown>;
}

/** The OpenAPI description of a probe: a summary, and its up (200) and down (503) answers. */
export const ApiProbe = (summary: string, up: string, down?: string) =>
  applyDecorators(
    ApiOperation({ summary }),
    ApiOkResponse({ description: up, type: HealthCheckResponse }),
    ...(down
      ? [ApiServiceUnavailableResponse({ description: down, type: HealthCheckResponse })]
      : []),
  );
