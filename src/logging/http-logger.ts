import type { IncomingMessage } from 'node:http';
import { pinoHttp, type HttpLogger } from 'pino-http';
import type { AppConfig } from '../config';
import { serializeError } from './error-serializer';
import { assignRequestId } from './request-id';

/** Injection token of the one pino-http middleware (and its root logger) of the app. */
export const HTTP_LOGGER = Symbol('HTTP_LOGGER');

const QUIET_PATHS = /^\/(health(\/.*)?|metrics)(\?.*)?$/;
/** A stream token in a URL (`?access_token=`, for EventSource): a credential, never logged. */
const ACCESS_TOKEN = /([?&]access_token=)[^&#]*/gi;

/** Cuts the stream token out of the URL the access line shows (its `query` is redacted by path). */
function withoutAccessToken<T extends { url?: string }>(request: T): T {
  if (request.url?.includes('access_token=')) {
    request.url = request.url.replace(ACCESS_TOKEN, '$1[redacted]');
  }
  return request;
}

const shared = new Map<string, HttpLogger>();

/**
 * The one HTTP logger of a process per log setting: the process logger made before the app
 * (see `createAppLogger`) and the app's request logging share it, hence one pretty transport. Apps
 * booted with other settings in the same process (tests) get their own.
 */
export function sharedHttpLogger(config: AppConfig): HttpLogger {
  const key = `${config.logLevel}|${config.logFormat}|${config.nodeEnv}`;
  let logger = shared.get(key);
  if (!logger) {
    logger = createHttpLogger(config);
    shared.set(key, logger);
  }
  return logger;
}

/** Levels at which pino-http's access line (written at `info`) is kept. */
const ACCESS_LOG_LEVELS = new Set(['trace', 'debug', 'info']);

/**
 * The access log and the root logger every other log line derives from. It is mounted on the
 * Express app itself (see app.setup.ts), not as Nest route middleware, which never runs for a
 * request no route matches: unknown routes are logged like any other request.
 */
export function createHttpLogger(config: AppConfig): HttpLogger {
  const pretty =
    config.logFormat === 'pretty' ||
    (config.logFormat === 'auto' && config.nodeEnv === 'development');
  return pinoHttp({
    level: config.logLevel,
    genReqId: assignRequestId,
    // `request_id` on every line: service logs get it from the quiet per-request child, the
    // access line also has `req`. (customProps did the same at twice the cost: a third child
    // logger and a stringify per request.)
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'request_id' },
    serializers: {
      err: serializeError,
      req: (request: { url?: string }) => withoutAccessToken(request),
    },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.query.access_token',
        'res.headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
    // A 5xx access line would carry a made-up Error ("failed with status code 503") and its stack;
    // the error itself, when unexpected, is logged once with its stack by ProblemDetailsFilter.
    customErrorObject: (_request, _response, _error, line: Record<string, unknown>) => {
      const { err: _err, ...rest } = line;
      return rest;
    },
    // Access lines are written at `info`: above it, skip the per-response bookkeeping (two
    // listeners and a log call that pino would drop) on every request.
    autoLogging: ACCESS_LOG_LEVELS.has(config.logLevel)
      ? { ignore: (request: IncomingMessage) => QUIET_PATHS.test(request.url ?? '') }
      : false,
    transport: pretty
      ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } }
      : undefined,
  });
}
