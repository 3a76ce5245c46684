import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import { isStreamResponse, markUnmatched, routeLabel } from './completed-request';
import { HttpRequestObservers } from './http-request-observers';

/**
 * Times every request from here to the response's `finish`, so 404s, guard refusals (401/403) and
 * filter answers count too, which an interceptor would miss. Mounted on the HTTP adapter before
 * any route (see MetricsModule), not with `forRoutes()`, which only reaches paths under the global
 * prefix and the excluded ones: unknown paths outside `/api/v1` would go uncounted.
 */
@Injectable()
export class RequestTimingMiddleware {
  constructor(private readonly observers: HttpRequestObservers) {}

  /** The Express-style handler. */
  readonly handle = (
    request: IncomingMessage & { route?: unknown },
    response: ServerResponse,
    next: () => void,
  ): void => {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      this.observers.publish({
        method: request.method ?? 'GET',
        route: routeLabel(request),
        statusCode: response.statusCode,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        streamed: isStreamResponse(response),
      });
    });
    next();
  };

  /** Mounted after every route: whatever reaches it matched none (see `routeLabel`). */
  readonly markUnmatched = (
    request: IncomingMessage,
    _response: unknown,
    next: () => void,
  ): void => {
    markUnmatched(request);
    next();
  };
}
