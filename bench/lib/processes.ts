import { execFileSync, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The folder of the bench sources; children written in TypeScript are started from here. */
export const BENCH_DIR = join(__dirname, '..');

/** Soft and hard limits on open files, as `sh -c ulimit` reports them. */
export function fileLimits(): { soft: number; hard: number } {
  const out = execFileSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' });
  const [soft, hard] = out
    .trim()
    .split('\n')
    .map((v) => (v.trim() === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v)));
  return { soft, hard };
}

/**
 * Spawns `command args` with the soft open-files limit raised to `nofile` (capped at the hard
 * limit): 5,000 streams need 5,000 sockets in the client and in the server, over the usual 1,024
 * default. The shell raises its own limit and `exec`s, so the pid is the command's own.
 */
export function spawnWithFileLimit(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; stdio: StdioOptions; nofile: number },
): ChildProcess {
  const { soft, hard } = fileLimits();
  const wanted = Math.min(options.nofile, hard);
  if (wanted <= soft) {
    return spawn(command, args, { cwd: options.cwd, env: options.env, stdio: options.stdio });
  }
  return spawn('sh', ['-c', `ulimit -Sn ${wanted} && exec "$0" "$@"`, command, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: options.stdio,
  });
}

/** Command line that runs a TypeScript file of bench/ the way `npm run bench` runs the runner. */
export function tsNodeCommand(file: string): { command: string; args: string[] } {
  return {
    command: process.execPath,
    args: [require.resolve('ts-node/dist/bin.js'), '--swc', join(BENCH_DIR, file)],
  };
}

/** Resident set size of a process in bytes, from /proc (Linux), else `ps`. */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not Linux, or the process is gone
  }
  try {
    return (
      Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' })) * 1024
    );
  } catch {
    return NaN;
  }
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux); NaN elsewhere. */
export function cpuMillis(pid: number): number {
  try {
    // Fields after the command (which may hold spaces) start after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** Resolves when the child exits, or after `timeoutMs` with false. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Keeps the last `limit` characters of a child's output, for error messages. */
export function captureOutput(child: ChildProcess, limit = 20_000): () => string {
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-limit);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => output;
}

/** Sleeps. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Monotonic clock in microseconds: the clock V8 stamps CPU profiles with, on Linux. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Runs a TypeScript file of bench/ as a child process that reports one result over IPC (the
 * in-process micro-benchmarks) and resolves with it; rejects with the child's output when it exits
 * without one or with a non-zero code.
 */
export function runReportingChild<T>(
  file: string,
  argv: string[],
  options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<T> {
  const { command, args } = tsNodeCommand(file);
  const child = spawn(command, [...(options.nodeArgs ?? []), ...args, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: options.env ?? process.env,
  });
  const output = captureOutput(child);
  return new Promise((resolve, reject) => {
    let result: T | undefined;
    child.on('message', (message: T) => (result = message));
    child.on('exit', (code) =>
      result !== undefined && code === 0
        ? resolve(result)
        : reject(new Error(`${file} failed (exit ${code}):\n${output()}`)),
    );
  });
}
