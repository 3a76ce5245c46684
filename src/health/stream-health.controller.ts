import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { sendHealth } from './health-answer';
import { ApiProbe } from './health.api';
import { HealthService } from './health.service';

/** Streaming health at `/health/stream` (outside the API prefix, like every probe). */
@ApiTags('health')
@Public()
@Controller('health')
export class StreamHealthController {
  constructor(private readonly health: HealthService) {}

  /** Streams can be opened: not at capacity, not draining. */
  @Get('stream')
  @Header('Cache-Control', 'no-store')
  @ApiProbe('Streaming health', 'New streams are accepted.', 'At capacity or draining.')
  async stream(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    return sendHealth(response, await this.health.stream());
  }
}

/**
 * The same check at `/api/v1/health/stream`, for clients that only know the API base URL.
 *
 * The global prefix is not applied to paths the app excludes (`health/{*rest}`), so a route
 * declared `health/stream` can only live outside it. The `/` is escaped instead: path-to-regexp
 * reads `\/` as a literal slash, the exclusion does not match the declared text, and the router
 * serves it under the prefix.
 */
@ApiTags('health')
@Public()
@Controller()
export class PrefixedStreamHealthController {
  constructor(private readonly health: HealthService) {}

  /** Streams can be opened: not at capacity, not draining. */
  @Get('health\\/stream')
  @Header('Cache-Control', 'no-store')
  @ApiProbe('Streaming health', 'New streams are accepted.', 'At capacity or draining.')
  async stream(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    return sendHealth(response, await this.health.stream());
  }
}
