import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { appConfig, type AppConfig } from '../config';

// A caller's id is echoed only when it is short and plain, so it cannot inject into headers or logs.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET_PATHS = /^\/(health(\/.*)?|metrics)(\?.*)?$/;

/** Takes the caller's `X-Request-Id` or makes a UUID, and echoes it on the response. */
export function assignRequestId(request: IncomingMessage, response: ServerResponse): string {
  const header = request.headers['x-request-id'];
  const candidate = Array.isArray(header) ? header[0] : header;
  const id = candidate && SAFE_REQUEST_ID.test(candidate) ? candidate : randomUUID();
  response.setHeader('X-Request-Id', id);
  return id;
}

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
          config.logFormat === 'pretty' || (config.logFormat === 'auto' && config.nodeEnv === 'development');
        return {
          pinoHttp: {
            level: config.logLevel,
            genReqId: assignRequestId,
            customProps: (request: IncomingMessage) => ({ request_id: request.id }),
            redact: {
              paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
              censor: '[redacted]',
            },
            autoLogging: { ignore: (request: IncomingMessage) => QUIET_PATHS.test(request.url ?? '') },
            transport: pretty
              ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } }
              : undefined,
          },
        };
      },
    }),
  ],
})
export class LoggingModule {}
