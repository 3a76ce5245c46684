import { Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { HttpLogger } from 'pino-http';
import { appConfig } from '../config';
import { HTTP_LOGGER, sharedHttpLogger } from './http-logger';

/**
 * Structured logs with `nestjs-pino`: JSON in production, pretty in development, the request id on
 * every line (also lines logged by services during the request), secrets and query parameters
 * kept out, and health and metrics polls kept out of the request log.
 *
 * pino-http itself is mounted on the Express app by `configureApp` (from {@link HTTP_LOGGER}), so
 * every request has its access line; nestjs-pino only binds each request's logger to the services
 * that run for it (`useExisting`).
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      providers: [{ provide: HTTP_LOGGER, inject: [appConfig.KEY], useFactory: sharedHttpLogger }],
      inject: [HTTP_LOGGER],
      useFactory: (httpLogger: HttpLogger) => ({
        pinoHttp: { logger: httpLogger.logger },
        useExisting: true,
        // Nest 11 path syntax; the default '*' is converted with a warning at every start.
        forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
      }),
    }),
  ],
})
export class LoggingModule {}
