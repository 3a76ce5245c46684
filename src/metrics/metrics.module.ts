import { Global, Module, type NestModule, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { BreakerMetrics } from './breaker-metrics.service';
import { DatabasePoolMetrics } from './database-pool-metrics.service';
import { HttpMetrics } from './http-metrics.service';
import { HttpRequestObservers } from './http-request-observers';
import { LlmMetrics } from './llm-metrics.service';
import { METRIC_PROVIDERS } from './metric.providers';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { RequestTimingMiddleware } from './request-timing.middleware';
import { RunMetrics } from './run-metrics.service';
import { StreamMetrics } from './stream-metrics.service';
import { WebhookMetrics } from './webhook-metrics.service';

/**
 * Prometheus metrics at `GET /metrics`. Global, so any feature can inject {@link StreamMetrics}
 * and {@link LlmMetrics} without importing it. Default metrics are registered by MetricsService,
 * guarded, rather than by the library, which would register them again for every app.
 */
@Global()
@Module({
  imports: [
    PrometheusModule.register({
      controller: MetricsController,
      path: '/metrics',
      defaultMetrics: { enabled: false },
    }),
  ],
  providers: [
    ...METRIC_PROVIDERS,
    HttpRequestObservers,
    RequestTimingMiddleware,
    HttpMetrics,
    StreamMetrics,
    LlmMetrics,
    BreakerMetrics,
    DatabasePoolMetrics,
    RunMetrics,
    MetricsService,
    WebhookMetrics,
  ],
  exports: [
    HttpRequestObservers,
    StreamMetrics,
    LlmMetrics,
    RunMetrics,
    MetricsService,
    WebhookMetrics,
  ],
})
export class MetricsModule implements NestModule, OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly timing: RequestTimingMiddleware,
  ) {}

  /**
   * Nest calls this while the app initialises, before it registers any route: the timing
   * middleware goes on the HTTP adapter itself, so it sees every request, matched or not.
   */
  configure(): void {
    this.adapterHost.httpAdapter?.use(this.timing.handle);
  }

  /**
   * Nest calls this after it registered the routes and before its 404 handler: a request that
   * gets here matched no route, which `req.route` cannot tell (see `routeLabel`).
   */
  onModuleInit(): void {
    // Absent in an application context without HTTP (a script); there is nothing to time then.
    this.adapterHost.httpAdapter?.use(this.timing.markUnmatched);
  }
}
