import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The real entry point (`main.ts`), run as its own process the way `node dist/main.js` is. */
export interface ServerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or null when killed by a signal). */
  exited: Promise<number | null>;
}

const ROOT = join(__dirname, '..', '..');
// At the repository's top level, so `../../package.json` from a module resolves as it does in dist.
const BUILD_DIR = '.test-build';

/**
 * Compiles `src` with SWC (about a second) so processes start as fast as `node dist/main.js`. The
 * e2e global setup calls it once, before any worker: spec files running side by side never read
 * a file another one is rewriting.
 */
export function buildServer(): void {
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'swc'),
    ['src', '-d', BUILD_DIR, '--strip-leading-paths', '--config-file', '.swcrc', '-q'],
    { cwd: ROOT, stdio: 'pipe' },
  );
}

/** The compiled entry point, relative to the repository. */
export const BUILT_MAIN = join(BUILD_DIR, 'main.js');

/** Starts the compiled `main.js` with only the given environment. */
export function startServerProcess(
  env: Record<string, string>,
  user?: { uid: number; gid: number },
): ServerProcess {
  return startProcess(process.execPath, [BUILT_MAIN], env, { ...user });
}

/**
 * Starts `npm start` in the repository, as a developer does, in a process group of its own (so a
 * test can signal the group, as a terminal's Ctrl-C does). It builds `dist/` when it is stale.
 */
export function startWithNpm(env: Record<string, string>): ServerProcess {
  return startProcess(
    'npm',
    ['start'],
    { npm_config_update_notifier: 'false', ...env },
    {
      detached: true,
    },
  );
}

function startProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  options: { uid?: number; gid?: number; detached?: boolean },
): ServerProcess {
  const child = spawn(command, args, {
    cwd: ROOT,
    ...options,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** One JSON log line of the server (`LOG_FORMAT=json`). */
export type LogLine = Record<string, unknown> & { level: number; msg?: string };

/** The JSON lines of a server's output so far (other lines, e.g. npm's, are skipped). */
export function logLines(server: ServerProcess): LogLine[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** Waits until a log line matches, or fails after `timeoutMs` showing the last lines. */
export async function waitForLogLine(
  server: ServerProcess,
  matches: (line: LogLine) => boolean,
  timeoutMs = 10_000,
): Promise<LogLine> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = logLines(server).find(matches);
    if (found) return found;
    if (Date.now() > deadline) {
      throw new Error(`No such log line in time; last lines:\n${server.output().slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls a URL until it answers 200, or fails after `timeoutMs`. */
export async function waitForOk(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
