import cluster, { type Worker } from 'node:cluster';
import { appEnvSchema, databaseEnvSchema } from './config/env.schema';
import { parseEnv } from './config/validate-environment';
import { databaseConfig } from './config';
import { resolveDatabaseLocation, type DatabaseLocation } from './database/database-location';

/** How long shutdown waits past SHUTDOWN_GRACE_MS for the workers (as a single process does). */
const SHUTDOWN_OVERRUN_MS = 4000;

function log(level: 'info' | 'warn' | 'error', msg: string): void {
  const line = {
    level: { info: 30, warn: 40, error: 50 }[level],
    time: Date.now(),
    context: 'Cluster',
    msg,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/**
 * `WEB_CONCURRENCY` > 1: this process starts that many server processes (Node's cluster module)
 * sharing the port, so one machine's cores all serve. Each worker is a whole server; runs follow
 * across them through PostgreSQL as across replicas. This process owns what there must be one of:
 * the embedded PostgreSQL (when `DATABASE_URL` is unset), whose URL the workers get. A worker that
 * dies is replaced; its runs are closed by the others (see `AbandonedRunsSweeper`). On SIGTERM or
 * SIGINT every worker drains as a single process would; then this process stops the embedded
 * PostgreSQL and exits.
 */
export async function runClusterPrimary(workers: number): Promise<void> {
  const app = parseEnv(appEnvSchema, process.env);
  parseEnv(databaseEnvSchema, process.env);
  let database: DatabaseLocation | undefined;
  const env: Record<string, string> = {};
  if (!process.env.DATABASE_URL) {
    database = await resolveDatabaseLocation(databaseConfig());
    env.DATABASE_URL = database.url;
  }
  let stopping = false;
  // A worker that exits before it listens is failing to start (bad configuration, no database):
  // forking it again would only loop.
  const listening = new WeakSet<Worker>();
  const fork = (): void => void cluster.fork(env);
  cluster.on('listening', (worker) => listening.add(worker));
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    if (!listening.has(worker)) {
      log('error', `Worker ${worker.process.pid} exited at start (${signal ?? code}): stopping`);
      void stop(1);
      return;
    }
    log('warn', `Worker ${worker.process.pid} died (${signal ?? code}); starting another`);
    fork();
  });
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const all = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    const exited = all.map((worker) => new Promise((resolve) => worker.once('exit', resolve)));
    for (const worker of all) worker.process.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(exited),
      new Promise(
        (resolve) => (timer = setTimeout(resolve, app.SHUTDOWN_GRACE_MS + SHUTDOWN_OVERRUN_MS)),
      ),
    ]);
    clearTimeout(timer);
    for (const worker of all) if (!worker.isDead()) worker.process.kill('SIGKILL');
    await database?.stop();
    log('info', 'Cluster stopped');
    process.exit(code);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      log('info', `${signal} received: stopping ${workers} workers`);
      void stop(0);
    });
  }
  log('info', `Starting ${workers} server processes on port ${app.PORT} (WEB_CONCURRENCY)`);
  for (let i = 0; i < workers; i++) fork();
}
