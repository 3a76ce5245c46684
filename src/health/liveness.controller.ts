import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';

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
  @ApiOkResponse({ description: 'The process answers.' })
  live() {
    return { status: 'ok', info: {}, error: {}, details: {} };
  }
}
