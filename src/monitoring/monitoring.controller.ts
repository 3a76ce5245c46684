import { Controller, Get, Header } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/auth.decorators';
import { MonitoringService, type MonitoringReport } from './monitoring.service';

/** Built-in request and system figures for operators (admin only). */
@ApiTags('monitoring')
@ApiBearerAuth()
@Controller('monitoring')
export class MonitoringController {
  constructor(private readonly monitoring: MonitoringService) {}

  /** Per-route request count, error rate and latency percentiles, plus CPU, memory, event loop. */
  @Get('endpoints')
  @AdminOnly()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Per-route request figures and process figures (admin)' })
  @ApiOkResponse({ description: 'Figures over MONITORING_WINDOW_MS; enabled=false when off.' })
  endpoints(): MonitoringReport {
    return this.monitoring.report();
  }
}
