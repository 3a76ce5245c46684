import { execFileSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findFreePort } from '../../test/support/free-port';
import { waitForOk } from './http';
import {
  captureOutput,
  monotonicMicros,
  rssBytes,
  spawnWithFileLimit,
  waitForExit,
} from './processes';

/** A server process under test: the app (`node dist/main.js`) or the baseline. */
export interface ServerInstance {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** Monotonic µs at spawn; profiles are cut relative to it. */
  readonly spawnedAtMicros: number;
  readonly cpuProfileDir?: string;
  /** Port of its inspector (`--inspect`), when started with one. */
  readonly inspectPort?: number;
  output(): string;
  rss(): number;
  stop(): Promise<void>;
}

/** Newest modification time under a folder, in ms. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(
      newest,
      entry.isDirectory() ? newestMtime(path) : entry.isFile() ? statSync(path).mtimeMs : 0,
    );
  }
  return newest;
}

/**
 * Runs `npm run build` when `dist/main.js` is missing or older than anything under `src/` (or
 * always / never, as asked). A build takes 20-40 s on two cores, so it is skipped when it can be.
 */
export function ensureBuild(appDir: string, mode: 'auto' | 'always' | 'never'): string {
  const main = join(appDir, 'dist', 'main.js');
  let reason: string | undefined;
  if (mode === 'always') reason = '--build';
  else if (!existsSync(main)) reason = 'dist/main.js is missing';
  else if (newestMtime(join(appDir, 'src')) > statSync(main).mtimeMs)
    reason = 'src/ is newer than dist/main.js';
  if (!reason) return 'dist/ is up to date: not rebuilt';
  if (mode === 'never') {
    if (!existsSync(main)) throw new Error('dist/main.js is missing and --no-build was given');
    return `dist/ may be stale (${reason}), not rebuilt (--no-build)`;
  }
  process.stderr.write(`building (${reason})…\n`);
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: appDir, stdio: 'inherit' });
  return `built with npm run build (${reason})`;
}

/** What every app instance of the bench gets, before the instance's own settings. */
export interface AppStartOptions {
  appDir: string;
  name: string;
  env: Record<string, string>;
  /** Working directory: a temporary folder without a `.env`, which the app would otherwise load. */
  cwd: string;
  /** Start with `--cpu-prof` writing into this folder. */
  cpuProfileDir?: string;
  /** Start with `--inspect` on a free loopback port (the memory scenario forces collections). */
  inspect?: boolean;
  /** Open-files limit wanted for the process. */
  nofile: number;
  /** Where its whole output is written. */
  logFile?: string;
  /** Readiness wait; an embedded PostgreSQL's first start (initdb) takes a while. */
  readyTimeoutMs?: number;
}

/**
 * Starts `node dist/main.js` with only the given environment (no inherited variables, so the
 * developer's shell cannot change what is measured; it runs from a folder without a `.env` for the
 * same reason) and waits for `/health/ready`.
 */
export async function startApp(options: AppStartOptions): Promise<ServerInstance> {
  const port = await findFreePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    HOST: '127.0.0.1',
    PORT: String(port),
    ...options.env,
  };
  const inspectPort = options.inspect ? await findFreePort() : undefined;
  const nodeArgs = [
    ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
    ...(inspectPort ? [`--inspect=127.0.0.1:${inspectPort}`] : []),
  ];
  const spawnedAtMicros = monotonicMicros();
  const child = spawnWithFileLimit(
    process.execPath,
    [...nodeArgs, join(options.appDir, 'dist', 'main.js')],
    { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], nofile: options.nofile },
  );
  return attach(child, options.name, `http://127.0.0.1:${port}`, spawnedAtMicros, {
    readyPath: '/health/ready',
    readyTimeoutMs: options.readyTimeoutMs ?? 120_000,
    stopTimeoutMs: 30_000,
    cpuProfileDir: options.cpuProfileDir,
    inspectPort,
    logFile: options.logFile,
  });
}

/** Wraps a spawned server: waits until it answers, and knows how to stop it. */
export async function attach(
  child: ChildProcess,
  name: string,
  url: string,
  spawnedAtMicros: number,
  settings: {
    readyPath: string;
    readyTimeoutMs: number;
    stopTimeoutMs: number;
    cpuProfileDir?: string;
    inspectPort?: number;
    /** Where the whole output goes as well (the instance keeps only its end in memory). */
    logFile?: string;
  },
): Promise<ServerInstance> {
  const output = captureOutput(child);
  if (settings.logFile) {
    const log = createWriteStream(settings.logFile);
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('exit', () => log.end());
  }
  let exited = false;
  child.once('exit', () => (exited = true));
  const instance: ServerInstance = {
    name,
    url,
    pid: child.pid ?? -1,
    spawnedAtMicros,
    cpuProfileDir: settings.cpuProfileDir,
    inspectPort: settings.inspectPort,
    output,
    rss: () => rssBytes(child.pid ?? -1),
    stop: async () => {
      if (exited) return;
      // SIGTERM: the app drains, closes its pool and stops its embedded PostgreSQL, and
      // `--cpu-prof` writes its profile on that orderly exit (not on SIGKILL).
      child.kill('SIGTERM');
      if (!(await waitForExit(child, settings.stopTimeoutMs))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    },
  };
  try {
    await waitForOk(`${url}${settings.readyPath}`, settings.readyTimeoutMs, () =>
      exited ? `${name} exited during start-up:\n${output().slice(-4000)}` : undefined,
    );
  } catch (error) {
    await instance.stop();
    throw error;
  }
  return instance;
}

/**
 * Stops an embedded PostgreSQL left behind by an app that had to be killed: its postmaster would
 * otherwise keep running after the bench.
 */
export function stopOrphanPostgres(dataDir: string): void {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGINT'); // PostgreSQL's "fast shutdown"
  } catch {
    // already gone
  }
}
