import type { LoggerService } from '@nestjs/common';
import { Logger, PinoLogger } from 'nestjs-pino';
import type { AppConfig } from '../config';
import { sharedHttpLogger } from './http-logger';
import { QuietNestLogger } from './nest-chatter';

/**
 * The logger of the whole process, made before Nest creates the app so that what the start does
 * (starting PostgreSQL, migrations) is written while it happens rather than buffered until the
 * end. It writes through the same pino logger as the app's request logging (one pretty transport,
 * one level), with Nest's per-module and per-route lines at `debug`.
 */
export function createAppLogger(config: AppConfig): LoggerService {
  const pino = new PinoLogger({ pinoHttp: { logger: sharedHttpLogger(config).logger } });
  return new QuietNestLogger(new Logger(pino, {}));
}
