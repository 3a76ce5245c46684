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

/** Compiles `src` with SWC (about a second) so processes start as fast as `node dist/main.js`. */
export function buildServer(): void {
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'swc'),
    ['src', '-d', BUILD_DIR, '--strip-leading-paths', '--config-file', '.swcrc', '-q'],
    { cwd: ROOT, stdio: 'pipe' },
  );
}

/** Starts the compiled `main.js` with only the given environment (call {@link buildServer} first). */
export function startServerProcess(
  env: Record<string, string>,
  user?: { uid: number; gid: number },
): ServerProcess {
  const child = spawn(process.execPath, [join(BUILD_DIR, 'main.js')], {
    cwd: ROOT,
    ...user,
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
