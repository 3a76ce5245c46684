import 'reflect-metadata';
import cluster from 'node:cluster';
import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  appConfig,
  type AppConfig,
  ConfigValidationError,
  llmConfig,
  type LlmConfig,
  loadAndValidateEnvironment,
} from './config';
import { appEnvSchema } from './config/env.schema';
import { parseEnv } from './config/validate-environment';
import { LifecycleService } from './lifecycle';
import { createAppLogger } from './logging/app-logger';
import { publicUrl } from './common/http/public-url';

// How long closing may run past SHUTDOWN_GRACE_MS before the process exits anyway: inside the 5 s
// margin the deployment gives (terminationGracePeriodSeconds, stop_grace_period), so the reason is
// logged before a SIGKILL would cut everything short.
const SHUTDOWN_OVERRUN_MS = 4000;
// Under `npm start` in a terminal one Ctrl-C arrives twice at once (the terminal signals the whole
// process group, and npm passes it on): only a signal repeated later than this forces the exit.
const REPEATED_SIGNAL_MIN_GAP_MS = 1000;

async function bootstrap(): Promise<void> {
  loadAndValidateEnvironment();
  // Imported after validation: importing AppModule runs @nestjs/config, which would report a bad
  // value with a stack trace of its own.
  // Unbuffered: each step of the start is written while it happens (a first start initialises
  // PostgreSQL, which takes a while), not all at once at the end.
  const settings = appConfig();
  const logger = createAppLogger(settings);
  logger.log(`Starting agent-conversation-server ${settings.version} on Node ${process.version}`);
  const { AppModule } = await import('./app.module');
  const { configureApp } = await import('./app.setup');
  const { describeModel } = await import('./agent');
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    logger,
    bodyParser: false,
    // Throw start-up errors to the handler below instead of aborting the process.
    abortOnError: false,
  });
  configureApp(app);
  const config = app.get<AppConfig>(appConfig.KEY);
  logger.log(describeModel(app.get<LlmConfig>(llmConfig.KEY)), 'Agent');

  // Our own signal handling rather than enableShutdownHooks(): Nest re-raises the signal after
  // closing, so a clean shutdown would look like a crash (exit 143). Draining comes first:
  // readiness turns 503 at once, new runs and streams get 503, runs in flight get
  // SHUTDOWN_GRACE_MS to finish; then the app closes (HttpConnectionsDrain keeps connections from
  // holding it). A second signal forces the exit, and so does a step that hangs (a query waiting
  // for its statement timeout, a callee ignoring its abort signal) past SHUTDOWN_OVERRUN_MS.
  let signalledAt: number | undefined;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (signalledAt === undefined) {
        signalledAt = Date.now();
        shutDown(app, logger, config.shutdownGraceMs, signal);
      } else if (Date.now() - signalledAt >= REPEATED_SIGNAL_MIN_GAP_MS) {
        logger.warn(`${signal} received again: exiting now`);
        process.exit(1);
      }
    });
  }

  await app.listen(config.port, config.host);
  // Last, one line to click: a wildcard address (0.0.0.0) is not one a browser opens.
  const url = publicUrl(config.host, config.port);
  logger.log(`Listening on ${url} (API docs: ${url}/docs)`);
}

/** Drains, closes the app and exits: 0 when all went well, 1 on an error or past the overrun. */
function shutDown(
  app: NestExpressApplication,
  logger: LoggerService,
  graceMs: number,
  signal: NodeJS.Signals,
): void {
  const startedAt = Date.now();
  logger.log(`${signal} received: draining for up to ${graceMs} ms`);
  setTimeout(() => {
    logger.error(
      `Shutdown still not finished ${Date.now() - startedAt} ms after ${signal}: exiting now`,
    );
    process.exit(1);
  }, graceMs + SHUTDOWN_OVERRUN_MS).unref();
  app
    .get(LifecycleService)
    .startDraining(graceMs)
    .then(() => app.close())
    .then(
      () => {
        logger.log(`Shutdown finished in ${Date.now() - startedAt} ms`);
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(error, 'Shutdown failed');
        process.exit(1);
      },
    );
}

/** One server, or with `WEB_CONCURRENCY` > 1 the primary of that many (see cluster-primary.ts). */
async function main(): Promise<void> {
  loadAndValidateEnvironment();
  const workers = parseEnv(appEnvSchema, process.env).WEB_CONCURRENCY;
  if (workers > 1 && cluster.isPrimary) {
    const { runClusterPrimary } = await import('./cluster-primary');
    return runClusterPrimary(workers);
  }
  return bootstrap();
}

main().catch((error: unknown) => {
  // A bad configuration is an operator's mistake: say what to fix, without a stack trace.
  if (error instanceof ConfigValidationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
