import type { IncomingMessage } from 'node:http';
import { Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { appConfig, type AppConfig } from '../config';
import { assignRequestId } from './request-id';

const QUIET_PATHS = /^\/(health(\/.*)?|metrics)(\?.*)?$/;
/** Levels at which pino-http's access line (written at `info`) is kept. */
const ACCESS_LOG_LEVELS = new Set(['trace', 'debug', 'info']);

/**
 * Structured logs with `nestjs-pino`: JSON in production, pretty in development, the request id on
 * every line (also lines logged by services during the request), secrets redacted, and health and
 * metrics polls kept out of the request log.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (config: AppConfig) => {
        const pretty =
          config.logFormat === 'pretty' ||
          (config.logFormat === 'auto' && config.nodeEnv === 'development');
        return {
          // Nest 11 path syntax; the default '*' is converted with a warning at every start.
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          pinoHttp: {
            level: config.logLevel,
            genReqId: assignRequestId,
            // `request_id` on every line: service logs get it from the quiet per-request child,
            // the access line also has `req`. (customProps did the same at twice the cost: a
            // third child logger and a stringify per request.)
            quietReqLogger: true,
            customAttributeKeys: { reqId: 'request_id' },
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers.cookie',
                'res.headers["set-cookie"]',
              ],
              censor: '[redacted]',
            },
            // Access lines are written at `info`: above it, skip the per-response bookkeeping
            // (two listeners and a log call that pino would drop) on every request.
            autoLogging: ACCESS_LOG_LEVELS.has(config.logLevel)
              ? { ignore: (request: IncomingMessage) => QUIET_PATHS.test(request.url ?? '') }
              : false,
            transport: pretty
              ? {
                  target: 'pino-pretty',
                  options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' },
                }
              : undefined,
          },
        };
      },
    }),
  ],
})
export class LoggingModule {}
