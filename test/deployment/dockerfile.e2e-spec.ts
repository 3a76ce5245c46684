import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT,
  execForm,
  isDockerIgnored,
  parseDockerfile,
  readJson,
  readText,
  type DockerStage,
} from './deployment-files';

const dockerfile = parseDockerfile(readText('Dockerfile'));
const dockerignore = readText('.dockerignore');
const runtime = dockerfile.stages[dockerfile.stages.length - 1];

function args(stage: DockerStage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

function stageNamed(name: string): DockerStage {
  const stage = dockerfile.stages.find((s) => s.name === name);
  if (!stage) throw new Error(`No stage named ${name}`);
  return stage;
}

/** The stage (or the stages it is built FROM) that runs `command`. */
function stageRuns(stage: DockerStage, command: RegExp): boolean {
  if (args(stage, 'RUN').some((run) => command.test(run))) return true;
  const parent = dockerfile.stages.find((s) => s.name && s.name === stage.from);
  return parent ? stageRuns(parent, command) : false;
}

/** `COPY --from=<stage> <src> <dest>` of the runtime stage, by source path. */
function copiedFrom(sourcePath: string): DockerStage {
  const copy = args(runtime, 'COPY').find((a) => a.split(/\s+/).includes(sourcePath));
  const from = copy && /--from=(\S+)/.exec(copy)?.[1];
  if (!from) throw new Error(`The runtime stage does not COPY --from=... ${sourcePath}`);
  return stageNamed(from);
}

function envOf(stage: DockerStage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of args(stage, 'ENV')) {
    for (const m of line.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) {
      env[m[1]] = m[2].replace(/^"|"$/g, '');
    }
  }
  return env;
}

describe('Dockerfile', () => {
  it('is multi-stage: builds with every dependency, runs with production dependencies only', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    const dist = copiedFrom('/app/dist');
    expect(stageRuns(dist, /\bnpm (run build|run-script build)\b/)).toBe(true);
    expect(stageRuns(dist, /\bnpm ci\b(?!.*--omit=dev)/)).toBe(true);

    const modules = copiedFrom('/app/node_modules');
    expect(stageRuns(modules, /\bnpm ci\b.*--omit=dev/)).toBe(true);
    expect(stageRuns(modules, /\bnpm run build\b/)).toBe(false);
  });

  it('runs Node 22 on Debian slim (glibc, for the native packages of the lockfile), not Alpine', () => {
    const stageNames = new Set(dockerfile.stages.map((s) => s.name));
    const bases = dockerfile.stages.map((s) => s.from).filter((from) => !stageNames.has(from));
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) {
      expect(base).toMatch(/^node:22(\.\d+)*-(bookworm|trixie)-slim(@sha256:[a-f0-9]{64})?$/);
    }
    expect(runtime.from).toMatch(/^node:22/);
    const engines = readJson('package.json').engines.node as string;
    expect(engines).toMatch(/\^22\./);
  });

  it('sets NODE_ENV=production, PORT 8000 and HOST 0.0.0.0 in the runtime image', () => {
    expect(envOf(runtime)).toMatchObject({ NODE_ENV: 'production', PORT: '8000', HOST: '0.0.0.0' });
    expect(args(runtime, 'EXPOSE').join(' ').split(/\s+/)).toContain('8000');
  });

  it('runs as a numeric non-root user, set before the command', () => {
    const users = runtime.instructions.filter((i) => i.keyword === 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1];
    const [uid, gid] = user.args.split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    if (gid !== undefined) expect(Number(gid)).toBeGreaterThan(0);
    const cmd = runtime.instructions.find((i) => i.keyword === 'CMD')!;
    expect(user.line).toBeLessThan(cmd.line);
  });

  it('starts node dist/main.js directly (exec form: signals reach Node; no npm, no shell)', () => {
    const cmds = args(runtime, 'CMD');
    expect(cmds).toHaveLength(1);
    expect(execForm(cmds[0])).toEqual(['node', 'dist/main.js']);
    // An ENTRYPOINT would wrap the CMD: none, or an exec-form init (tini) that forwards signals.
    for (const entrypoint of args(runtime, 'ENTRYPOINT')) {
      const form = execForm(entrypoint);
      expect(form?.[0]).toMatch(/tini|dumb-init/);
    }
    expect(args(runtime, 'STOPSIGNAL').every((s) => s === 'SIGTERM')).toBe(true);
  });

  it('has a HEALTHCHECK on /health (liveness) without curl or wget', () => {
    const checks = args(runtime, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const command = execForm(checks[0].replace(/^(--\S+\s+)*CMD\s+/, ''));
    expect(command?.slice(0, 2)).toEqual(['node', '-e']);
    expect(command![2]).toMatch(/\/health'/);
    expect(checks[0]).not.toMatch(/curl|wget|\/health\/ready/);
    expect(checks[0]).toMatch(/--start-period=\d+s/);
  });

  it('can run the migrations from the image (dist/database/cli.js comes from src/database/cli.ts)', () => {
    expect(existsSync(join(ROOT, 'src', 'database', 'cli.ts'))).toBe(true);
    expect(readText('src/database/cli.ts')).toMatch(/case 'run':/);
    expect(readJson('package.json').scripts['migration:run:prod']).toBe(
      'node dist/database/cli.js run',
    );
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    for (const stage of dockerfile.stages) {
      for (const copy of args(stage, 'COPY').filter((a) => !a.includes('--from='))) {
        const parts = copy.split(/\s+/).filter((p) => !p.startsWith('--'));
        for (const source of parts.slice(0, -1)) {
          expect({ source, exists: existsSync(join(ROOT, source)) }).toEqual({
            source,
            exists: true,
          });
          expect({ source, ignored: isDockerIgnored(source, dockerignore) }).toEqual({
            source,
            ignored: false,
          });
        }
      }
    }
  });
});

describe('.dockerignore', () => {
  it.each([
    'node_modules',
    'node_modules/pg/package.json',
    '.data/postgres/PG_VERSION',
    'coverage/lcov.info',
    'dist/main.js',
    '.test-build/main.js',
    'test/health.e2e-spec.ts',
    'src/config/env-example.spec.ts',
    '.env',
    '.env.production',
    '.env.local',
    '.git/HEAD',
    'helm/agent-server/values.yaml',
  ])('keeps %s out of the build context', (path) => {
    expect(isDockerIgnored(path, dockerignore)).toBe(true);
  });

  it.each([
    '.env.example',
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'tsconfig.build.json',
    'nest-cli.json',
    'src/main.ts',
    'src/database/cli.ts',
  ])('lets %s in', (path) => {
    expect(isDockerIgnored(path, dockerignore)).toBe(false);
  });
});
