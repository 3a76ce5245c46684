import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Histogram } from 'prom-client';
import type { CompletedRequest } from './completed-request';
import { HttpRequestObservers } from './http-request-observers';
import { METRIC_NAMES } from './metric-names';

/** Records finished requests in `http_request_duration_seconds`; streams stay out. */
@Injectable()
export class HttpMetrics implements OnModuleInit, OnModuleDestroy {
  private unsubscribe: (() => void) | undefined;

  constructor(
    @InjectMetric(METRIC_NAMES.httpRequestDuration)
    private readonly duration: Histogram<'method' | 'route' | 'status_code'>,
    private readonly observers: HttpRequestObservers,
  ) {}

  /** Starts recording. */
  onModuleInit(): void {
    this.unsubscribe = this.observers.subscribe((request) => this.record(request));
  }

  /** Stops recording (the series stay: they are process-wide). */
  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Records one request unless it was a stream. */
  record(request: CompletedRequest): void {
    if (request.streamed) return;
    this.duration.observe(
      { method: request.method, route: request.route, status_code: String(request.statusCode) },
      request.durationMs / 1000,
    );
  }
}
