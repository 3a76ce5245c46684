import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from '../auth/auth.module';
import { streamConfig, type StreamConfig } from '../config';
import { DatabaseModule } from '../database/database.module';
import { StreamRegistry } from '../streaming';
import { CircuitBreakersIndicator } from './circuit-breakers.indicator';
import { DatabaseIndicator } from './database.indicator';
import { DetailedHealthAccessGuard } from './detailed-health-access.guard';
import { DetailedHealthController } from './detailed-health.controller';
import { HealthCheckRunner } from './health-check.runner';
import { HealthContributorRegistry } from './health-contributor.registry';
import { HealthService } from './health.service';
import { LifecycleIndicator } from './lifecycle.indicator';
import { LivenessController } from './liveness.controller';
import { LlmProviderIndicator } from './llm-provider.indicator';
import { ReadinessController } from './readiness.controller';
import { PrefixedStreamHealthController, StreamHealthController } from './stream-health.controller';
import { STREAMING_STATUS, type StreamingStatus } from './streaming-status';
import { StreamingIndicator } from './streaming.indicator';
import { SystemIndicators } from './system.indicators';

/**
 * Health endpoints for probes and operators: liveness (a plain handler), readiness, detailed and
 * streaming health (Terminus). Exports {@link HealthContributorRegistry} so other modules can add
 * indicators to `/health/detailed`.
 */
@Module({
  imports: [
    // Failures are logged by HealthCheckRunner when a verdict changes, not on every probe.
    TerminusModule.forRoot({ logger: false }),
    AuthModule,
    DatabaseModule,
  ],
  controllers: [
    LivenessController,
    ReadinessController,
    DetailedHealthController,
    StreamHealthController,
    PrefixedStreamHealthController,
  ],
  providers: [
    {
      // The stream registry when the streaming module is loaded; else an empty, idle stand-in.
      provide: STREAMING_STATUS,
      inject: [{ token: StreamRegistry, optional: true }, streamConfig.KEY],
      useFactory: (registry: StreamRegistry | undefined, config: StreamConfig): StreamingStatus =>
        registry ?? {
          snapshot: () => ({ active: 0, capacity: config.maxConnections }),
        },
    },
    HealthCheckRunner,
    HealthContributorRegistry,
    HealthService,
    DatabaseIndicator,
    SystemIndicators,
    CircuitBreakersIndicator,
    LlmProviderIndicator,
    StreamingIndicator,
    LifecycleIndicator,
    DetailedHealthAccessGuard,
  ],
  exports: [HealthContributorRegistry],
})
export class HealthModule {}
