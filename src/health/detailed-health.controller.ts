import { Controller, Get, Header, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { DetailedHealthAccessGuard } from './detailed-health-access.guard';
import { sendHealth } from './health-answer';
import { ApiProbe } from './health.api';
import { HealthService } from './health.service';

/** Every indicator with its figures, for operators. */
@ApiTags('health')
@ApiBearerAuth()
// Public for the global guard; DetailedHealthAccessGuard applies HEALTH_DETAILED_PUBLIC.
@Public()
@UseGuards(DetailedHealthAccessGuard)
@Controller('health')
export class DetailedHealthController {
  constructor(private readonly health: HealthService) {}

  /** Database, memory, disk, event loop, breakers, LLM provider, vector search, streaming, process. */
  @Get('detailed')
  @Header('Cache-Control', 'no-store')
  @ApiProbe(
    'Detailed health (admin, unless HEALTH_DETAILED_PUBLIC)',
    'Every critical indicator is up.',
    'A critical indicator is down.',
  )
  @ApiUnauthorizedResponse({ description: 'No valid token (auth on, details not public).' })
  @ApiForbiddenResponse({ description: 'The token lacks the admin role.' })
  async detailed(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    return sendHealth(response, await this.health.detailed());
  }
}
