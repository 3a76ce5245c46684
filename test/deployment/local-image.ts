import { spawn, type ChildProcess } from 'node:child_process';
import { cp, lstat, mkdir, readdir, rename, rm, symlink, unlink } from 'node:fs/promises';
import { basename, join, posix, relative } from 'node:path';
import {
  ROOT,
  execForm,
  isDockerIgnored,
  parseDockerfile,
  readText,
  type DockerStage,
} from './deployment-files';

/**
 * The Dockerfile replayed on this machine without Docker, to prove that what the image holds runs:
 * every stage the runtime stage copies from gets a directory standing for its `/app`, in which its
 * COPY instructions (from the build context, `.dockerignore` applied) and RUN commands are carried
 * out as written (`--mount` flags dropped, the stages' ENV set); then the runtime stage's COPY
 * instructions assemble its `/app` from them. The independent stages (`build`, `prod-deps`) run
 * side by side.
 *
 * One shortcut, for speed: a plain `npm ci` (every dependency, for the compiler: the `deps` stage)
 * is replaced by a link to this repository's node_modules, installed from the same lockfile. The
 * `npm ci --omit=dev` of the production dependencies runs for real.
 */
export interface LocalImage {
  /** The runtime stage's `/app`. */
  appDir: string;
  /** The runtime stage's ENV (NODE_ENV, PORT, HOST...). */
  env: Record<string, string>;
  /** Its CMD, e.g. `['node', 'dist/main.js']`. */
  command: string[];
}

const WORKDIR = '/app';
const RUN_TIMEOUT_MS = 240_000;

const dockerfile = parseDockerfile(readText('Dockerfile'));
const dockerignore = readText('.dockerignore');

function stageNamed(name: string): DockerStage {
  const stage = dockerfile.stages.find((s) => s.name === name);
  if (!stage) throw new Error(`The Dockerfile has no stage named ${name}`);
  return stage;
}

/** The stage and the stages it is built FROM, oldest first. */
function lineage(stage: DockerStage): DockerStage[] {
  const parent = dockerfile.stages.find((s) => s.name !== undefined && s.name === stage.from);
  return parent ? [...lineage(parent), stage] : [stage];
}

function parseEnv(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) {
    env[m[1]] = m[2].replace(/^"|"$/g, '');
  }
  return env;
}

/** A path of the image (absolute, or relative to WORKDIR) inside the directory standing for /app. */
function inStage(dir: string, imagePath: string): string {
  const rel = posix.relative(WORKDIR, posix.resolve(WORKDIR, imagePath));
  if (rel.startsWith('..')) throw new Error(`${imagePath} is outside ${WORKDIR}`);
  return join(dir, rel);
}

/** `COPY [--flags] <src>... <dest>` split into its sources and destination. */
function copyOperands(args: string): { from?: string; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  const from = words.map((w) => /^--from=(\S+)$/.exec(w)?.[1]).find(Boolean);
  const paths = words.filter((w) => !w.startsWith('--'));
  const dest = paths.pop()!;
  return { from, sources: paths, dest };
}

function targetOf(dir: string, source: string, dest: string, sourceCount: number): string {
  return dest.endsWith('/') || sourceCount > 1
    ? join(inStage(dir, dest), basename(source))
    : inStage(dir, dest);
}

/** What the build context holds: this repository minus `.dockerignore`. */
async function copyFromContext(args: string, dir: string): Promise<void> {
  const { sources, dest } = copyOperands(args);
  for (const source of sources) {
    await cp(join(ROOT, source), targetOf(dir, source, dest, sources.length), {
      recursive: true,
      filter: (path) => !isDockerIgnored(relative(ROOT, path), dockerignore),
    });
  }
}

/** Environment for RUN commands: ours without npm's per-run settings, plus the stage's ENV. */
function runEnvironment(stageEnv: Record<string, string>): NodeJS.ProcessEnv {
  const keep = /^npm_config_(cache|registry|userconfig|globalconfig)$/i;
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE_ENV' || (/^npm_/i.test(key) && !keep.test(key))) continue;
    env[key] = value;
  }
  return { ...env, ...stageEnv };
}

/** Runs a shell command; rejects with its output when it fails. */
function runShell(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: RUN_TIMEOUT_MS,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(`\`${command}\` failed (${signal ?? `exit ${code}`}) in ${cwd}:\n${output}`),
        );
    });
  });
}

/** Carries out a stage and the stages it is built FROM in `dir`. */
async function buildStage(name: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const links: string[] = [];
  const env: Record<string, string> = {};
  try {
    for (const stage of lineage(stageNamed(name))) {
      for (const { keyword, args } of stage.instructions) {
        if (keyword === 'WORKDIR' && args !== WORKDIR) {
          throw new Error(`Stage ${stage.name}: WORKDIR ${args} (this replay expects ${WORKDIR})`);
        } else if (keyword === 'ENV') {
          Object.assign(env, parseEnv(args));
        } else if (keyword === 'COPY') {
          if (copyOperands(args).from)
            throw new Error(`Stage ${stage.name}: COPY --from in a build stage`);
          await copyFromContext(args, dir);
        } else if (keyword === 'RUN') {
          const command = args.replace(/^(--\S+\s+)*/, '');
          if (/^npm ci(\s+--[\w=-]+)*$/.test(command) && !command.includes('--omit=dev')) {
            // Every dependency, for the compiler: this repository's, from the same lockfile.
            const link = join(dir, 'node_modules');
            await symlink(join(ROOT, 'node_modules'), link, 'dir');
            links.push(link);
          } else {
            await runShell(command, dir, runEnvironment(env));
          }
        }
      }
    }
  } finally {
    // Unlinked before anything is deleted, so nothing ever removes the repository's node_modules.
    for (const link of links) await unlink(link);
  }
}

/** Builds the runtime stage's /app in `parent`/app (`parent` must be an empty temporary directory). */
export async function buildLocalImage(parent: string): Promise<LocalImage> {
  const runtime = dockerfile.stages.at(-1)!;
  const copies = runtime.instructions.filter((i) => i.keyword === 'COPY');
  const fromStages = [...new Set(copies.map((c) => copyOperands(c.args).from).filter(Boolean))];
  // Both to the end before failing, so that nothing is still writing when the caller cleans up.
  const results = await Promise.allSettled(
    (fromStages as string[]).map((name) => buildStage(name, join(parent, name))),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;

  const appDir = join(parent, 'app');
  await mkdir(appDir);
  const env: Record<string, string> = {};
  let command: string[] | undefined;
  for (const { keyword, args } of runtime.instructions) {
    if (keyword === 'ENV') Object.assign(env, parseEnv(args));
    else if (keyword === 'CMD') command = execForm(args);
    else if (keyword === 'COPY') {
      const { from, sources, dest } = copyOperands(args);
      if (!from) {
        await copyFromContext(args, appDir);
        continue;
      }
      for (const source of sources) {
        await rename(
          inStage(join(parent, from), source),
          targetOf(appDir, source, dest, sources.length),
        );
      }
    }
  }
  if (!command) throw new Error('The runtime stage has no exec-form CMD');
  return { appDir, env, command };
}

/** Deletes what {@link buildLocalImage} made (never following a link out of `parent`). */
export async function removeLocalImage(parent: string): Promise<void> {
  for (const stage of await readdir(parent).catch(() => [])) {
    const link = join(parent, stage, 'node_modules');
    const isLink = await lstat(link).then(
      (stats) => stats.isSymbolicLink(),
      () => false,
    );
    if (isLink) await unlink(link);
  }
  await rm(parent, { recursive: true, force: true });
}

/** The image's CMD run as a process in its /app, with only the given environment. */
export interface ImageProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or null when killed by a signal), once its output is read. */
  exited: Promise<number | null>;
}

export function startImageCommand(
  image: LocalImage,
  env: Record<string, string>,
  command: string[] = image.command,
): ImageProcess {
  const [program, ...args] = command;
  const child = spawn(program === 'node' ? process.execPath : program, args, {
    cwd: image.appDir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => resolve(code)),
  );
  return { child, output: () => output, exited };
}
