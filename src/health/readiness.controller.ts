import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { sendHealth } from './health-answer';
import { ApiProbe } from './health.api';
import { HealthService } from './health.service';

/** Readiness, for load balancers and Kubernetes readiness probes. */
@ApiTags('health')
@Public()
@Controller('health')
export class ReadinessController {
  constructor(private readonly health: HealthService) {}

  /** Ready to take traffic: database, migrations, database breaker, not draining. */
  @Get('ready')
  @Header('Cache-Control', 'no-store')
  @ApiProbe('Readiness', 'Ready to take traffic.', 'Not ready; `error` says why.')
  async ready(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    return sendHealth(response, await this.health.readiness());
  }
}
