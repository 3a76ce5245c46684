import { Module } from '@nestjs/common';
import { MonitoringController } from './monitoring.controller';
import { MonitoringService } from './monitoring.service';
import { SystemSampler } from './system-sampler.service';

/** `GET /api/v1/monitoring/endpoints`; reads finished requests from the (global) MetricsModule. */
@Module({
  controllers: [MonitoringController],
  providers: [MonitoringService, SystemSampler],
})
export class MonitoringModule {}
