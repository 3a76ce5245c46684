import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { findFreePort } from '../../test/support/free-port';
import type { Failure, Figure } from '../report';
import { KNOWLEDGE_SEARCH_TIMEOUT_MS } from './knowledge';
import { attach, startApp, stopOrphanPostgres, type ServerInstance } from './app-server';
import { prepareDatabase, type BenchDatabase } from './database';
import { LoadAgent } from './load-agent';
import type { BenchOptions } from './options';
import { monotonicMicros, spawnWithFileLimit, tsNodeCommand } from './processes';

// HS256 secret of the bench's instances (32+ characters, as the app requires).
const SECRET = 'bench-secret-0123456789abcdef0123456789';
// Enough open files for the largest stream count, its client sockets and the database.
const NOFILE = 20_000;

/** Everything the scenarios share: options, the database, tokens, the load agent, results. */
export class BenchContext {
  readonly figures: Figure[] = [];
  readonly details: Record<string, unknown> = {};
  readonly failures: Failure[] = [];
  /** Markdown tables printed after the main one. */
  readonly tables: string[] = [];
  readonly tmpDir = mkdtempSync(join(tmpdir(), 'agent-bench-'));
  /** Bearer token of an ordinary user: what the measured requests carry. */
  userToken = '';
  /** Bearer token with the admin role, for /health/detailed and /api/v1/monitoring/endpoints. */
  adminToken = '';
  db!: BenchDatabase;
  agent!: LoadAgent;
  /** The instance that owns the embedded database; started first, stopped last. */
  main!: ServerInstance;
  private readonly running = new Set<ServerInstance>();
  private baselineInstance?: ServerInstance;

  /** Every instance's whole output: bench/results/logs/<run>/<instance>.log (gitignored). */
  readonly logDir = join(
    __dirname,
    '..',
    'results',
    'logs',
    new Date().toISOString().replace(/[:.]/g, '-'),
  );

  constructor(readonly options: BenchOptions) {
    mkdirSync(this.logDir, { recursive: true });
  }

  /** Prepares the database, tokens and load agent, and starts the main instance. */
  async start(): Promise<void> {
    this.db = await prepareDatabase(this.tmpDir);
    this.userToken = await sign('bench-user', []);
    this.adminToken = await sign('bench-admin', ['admin']);
    this.agent = LoadAgent.start(NOFILE);
    // With an inspector port, for the memory scenario's forced collections (idle otherwise).
    this.main = await this.startApp('main', this.db.ownerEnv, { inspect: true });
  }

  /**
   * Starts an app instance. The settings are the production build's with what the bench needs:
   * the offline local model with no delay between words, rate limiting and per-user limits off
   * (every request is the same user), auth on with an HS256 secret (a verified token on every request, as in
   * production), logs at `warn` as JSON.
   */
  async startApp(
    name: string,
    env: Record<string, string> = {},
    diagnostics: { cpuProfileDir?: string; inspect?: boolean } = {},
  ): Promise<ServerInstance> {
    const instance = await startApp({
      appDir: this.options.appDir,
      name,
      cwd: this.tmpDir,
      nofile: NOFILE,
      logFile: join(this.logDir, `${name}.log`),
      ...diagnostics,
      env: {
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        LLM_PROVIDER: 'local',
        LOCAL_MODEL_TOKEN_DELAY_MS: '0',
        RATE_LIMIT_MAX: '0',
        // Every request is the same user: per-user stream and run limits would measure themselves.
        STREAM_MAX_PER_USER: '1000000',
        RUNS_MAX_ACTIVE_PER_USER: '1000000',
        AUTH_JWT_SECRET: SECRET,
        DB_POOL_SIZE: String(this.options.poolSize),
        SHUTDOWN_GRACE_MS: '3000',
        ...(this.main ? this.db.clientEnv : {}),
        ...env,
      },
    });
    this.running.add(instance);
    return instance;
  }

  /** Starts the bare node:http baseline (bench/servers/baseline.ts) on the same database. */
  startBaseline(
    name: string,
    tokenDelayMs = 0,
    inspect = false,
    env: Record<string, string> = {},
  ): Promise<ServerInstance> {
    return this.startServerScript(name, 'servers/baseline.ts', inspect, {
      ...env,
      DATABASE_URL: this.db.url,
      DB_POOL_SIZE: String(this.options.poolSize),
      AUTH_JWT_SECRET: SECRET,
      TOKEN_DELAY_MS: String(tokenDelayMs),
      // The knowledge search: the app build whose local embedding it uses, and the statement
      // timeout the knowledge scenario's app instance has (its vector_search call timeout).
      APP_DIR: this.options.appDir,
      KNOWLEDGE_STATEMENT_TIMEOUT_MS: String(KNOWLEDGE_SEARCH_TIMEOUT_MS),
    });
  }

  /**
   * Starts the OpenAI-compatible mock model of bench/servers/mock-openai.ts in a process of its
   * own; its `url` plus `/v1` is what OPENAI_BASE_URL takes.
   */
  startMockOpenAI(name: string): Promise<ServerInstance> {
    return this.startServerScript(name, 'servers/mock-openai.ts', false, {}, '/v1/models');
  }

  /** Starts the bare NestJS application of bench/servers/nest-floor.ts (no database). */
  startNestFloor(name: string): Promise<ServerInstance> {
    return this.startServerScript(name, 'servers/nest-floor.ts', false, {
      NODE_ENV: 'production',
    });
  }

  /**
   * Starts a reference server written in TypeScript under bench/ on a free port, with only PATH,
   * HOME, PORT and `env` in its environment, and waits for `readyPath` to answer 200.
   */
  private async startServerScript(
    name: string,
    file: string,
    inspect: boolean,
    env: Record<string, string>,
    readyPath = '/health/ready',
  ): Promise<ServerInstance> {
    const port = await findFreePort();
    const inspectPort = inspect ? await findFreePort() : undefined;
    const { command, args } = tsNodeCommand(file);
    const nodeArgs = inspectPort ? [`--inspect=127.0.0.1:${inspectPort}`] : [];
    const spawnedAt = monotonicMicros();
    const child = spawnWithFileLimit(command, [...nodeArgs, ...args], {
      cwd: this.tmpDir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PORT: String(port),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      nofile: NOFILE,
    });
    const instance = await attach(child, name, `http://127.0.0.1:${port}`, spawnedAt, {
      readyPath,
      readyTimeoutMs: 60_000,
      stopTimeoutMs: 5_000,
      inspectPort,
      logFile: join(this.logDir, `${name}.log`),
    });
    this.running.add(instance);
    return instance;
  }

  /** The baseline with no delay between chunks, started on first use and kept for the run. */
  async baseline(): Promise<ServerInstance> {
    this.baselineInstance ??= await this.startBaseline('baseline', 0, true);
    return this.baselineInstance;
  }

  /** Progress line on stdout. */
  log(line: string): void {
    process.stdout.write(`${line}\n`);
  }

  /** Stops an instance started by {@link startApp} or {@link startBaseline}. */
  async stop(instance: ServerInstance): Promise<void> {
    await instance.stop();
    this.running.delete(instance);
  }

  /** Stops everything (the database owner last), drops the bench database, removes temp files. */
  async close(): Promise<void> {
    for (const instance of [...this.running]) {
      if (instance !== this.main) await this.stop(instance);
    }
    if (this.main) await this.stop(this.main);
    if (this.db?.embeddedDir) stopOrphanPostgres(this.db.embeddedDir);
    await this.agent?.stop();
    await this.db?.dispose().catch((error: unknown) => {
      process.stderr.write(`could not drop the bench database: ${String(error)}\n`);
    });
    rmSync(this.tmpDir, { recursive: true, force: true });
  }

  /** Adds rows to the table. */
  add(...figures: Figure[]): void {
    this.figures.push(...figures);
  }
}

function sign(sub: string, roles: string[]): Promise<string> {
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('6h')
    .sign(new TextEncoder().encode(SECRET));
}
