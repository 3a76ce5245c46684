import type { LoggerService } from '@nestjs/common';

/**
 * Contexts of Nest's own start-up lines that say nothing an operator acts on: one line per module
 * ("dependencies initialized"), per controller and per route ("Mapped {…}"), and Nest's own
 * "starting" and "started" (the server says what it is doing itself). Kept, at `debug`.
 */
const NEST_CHATTER_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

/** Nest passes the context as the last argument after the message. */
function contextOf(params: unknown[]): unknown {
  return params.at(-1);
}

/**
 * A logger that writes Nest's per-module and per-route start-up lines at `debug` instead of
 * `info`, and everything else as it is.
 */
export class QuietNestLogger implements LoggerService {
  constructor(private readonly inner: LoggerService) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = contextOf(params);
    if (typeof context === 'string' && NEST_CHATTER_CONTEXTS.has(context)) {
      this.debug(message, ...params);
    } else {
      this.inner.log(message, ...params);
    }
  }

  error(message: unknown, ...params: unknown[]): void {
    this.inner.error(message, ...params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.inner.warn(message, ...params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.inner.debug?.(message, ...params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.inner.verbose?.(message, ...params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    (this.inner.fatal ?? this.inner.error).call(this.inner, message, ...params);
  }
}
