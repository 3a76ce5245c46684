import { Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { ProblemDetailsModule } from './common/errors/problem-details.module';
import { AppConfigModule } from './config';
import { ConversationsModule } from './conversations/conversations.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { KnowledgeModule } from './knowledge';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { MonitoringModule } from './monitoring/monitoring.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { ResilienceHttpModule } from './resilience/resilience-http.module';
import { RunsModule } from './runs/runs.module';
import { StreamingModule } from './streaming';
import { StreamTokensModule } from './stream-tokens/stream-tokens.module';
import { streamConfig, type StreamConfig } from './config';

/** The whole service. Guards run in the order listed: auth first, then the per-user rate limit. */
@Module({
  imports: [
    AppConfigModule,
    LoggingModule,
    ProblemDetailsModule,
    DatabaseModule,
    AuthModule,
    RateLimitModule,
    ResilienceHttpModule,
    LifecycleModule,
    MetricsModule,
    HealthModule,
    MonitoringModule,
    ConversationsModule,
    KnowledgeModule,
    StreamingModule.forRootAsync({
      inject: [streamConfig.KEY],
      useFactory: (config: StreamConfig) => config,
    }),
    RunsModule,
    StreamTokensModule,
  ],
})
export class AppModule {}
