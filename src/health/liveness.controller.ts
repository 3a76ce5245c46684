import { Controller, Get, Header } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { ApiProbe } from './health.api';

/**
 * Liveness: a plain handler that checks no dependency, so it answers 200 while the process can
 * answer at all, also while draining (Terminus answers 503 for any check after SIGTERM).
 */
@ApiTags('health')
@Public()
@Controller('health')
export class LivenessController {
  /** The process is alive. */
  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiProbe('Liveness', 'The process answers.')
  live() {
    return { status: 'ok', info: {}, error: {}, details: {} };
  }
}
