import { RequestMethod, ValidationPipe, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import helmet from 'helmet';
import { answerClientErrorsWithProblems } from './common/input/client-error';
import { jsonBodyPipeline } from './common/input/json-body';
import { flattenValidationErrors } from './common/errors/validation-errors';
import { ValidationFailedException } from './common/errors/domain.exception';
import { appConfig, type AppConfig } from './config';
import type { HttpLogger } from 'pino-http';
import { HTTP_LOGGER } from './logging/http-logger';
import { assignRequestId } from './logging/request-id';
import { createOpenApiDocument } from './openapi/openapi-document';
import { mountDemoPage } from './demo';
import { RUN_EVENT_MODELS, RUN_EVENT_UNIONS } from './runs/dto/run-event.dto';

/** The prefix of every API route; health, metrics and docs stay at the root for probes. */
export const API_PREFIX = 'api/v1';

/**
 * Everything `main.ts` does to the application besides listening: shared with the e2e tests so they
 * exercise exactly what production runs (HTTP server errors, body pipeline, validation, prefix,
 * security headers, docs).
 */
export function configureApp(app: INestApplication): void {
  const config = app.get<AppConfig>(appConfig.KEY);
  const express = app as NestExpressApplication;

  express.disable('x-powered-by');
  // No ETag: Express would hash every JSON body (SHA-1) for conditional GETs no client of this API
  // makes; answers are per user and change with every run.
  express.set('etag', false);
  express.use((request: IncomingMessage, response: ServerResponse, next: () => void) => {
    assignRequestId(request, response);
    next();
  });
  // Oversized or malformed request heads never reach Express: Node's parser refuses them.
  answerClientErrorsWithProblems(app.getHttpServer() as Server);
  // The access log, before anything that can answer, so every request has its line.
  express.use(app.get<HttpLogger>(HTTP_LOGGER));
  // JSON only, bounded in size and depth, storable text only: 415, 413 or 400 problems.
  express.use(...jsonBodyPipeline(config.maxBodyBytes));
  // HSTS tells browsers to use HTTPS for a year: only when the deployment says clients reach us
  // over TLS (HTTP_HSTS), never on plain HTTP, where it would make the server unreachable.
  express.use(
    helmet({
      contentSecurityPolicy: false,
      strictTransportSecurity: config.hsts
        ? { maxAge: 31_536_000, includeSubDomains: true }
        : false,
    }),
  );
  // Only when enabled: otherwise /demo does not exist at all.
  if (config.demoPageEnabled) mountDemoPage(express, config.isProduction);
  express.enableCors({
    origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
    exposedHeaders: [
      'X-Request-Id',
      'Retry-After',
      'Location',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
    ],
    maxAge: 600,
  });

  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health', method: RequestMethod.ALL },
      { path: 'health/{*rest}', method: RequestMethod.ALL },
      { path: 'metrics', method: RequestMethod.ALL },
    ],
  });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      stopAtFirstError: true,
      transform: true,
      exceptionFactory: (errors) => new ValidationFailedException(flattenValidationErrors(errors)),
    }),
  );

  const document = createOpenApiDocument(app, config.version, {
    models: RUN_EVENT_MODELS,
    unions: RUN_EVENT_UNIONS,
  });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
