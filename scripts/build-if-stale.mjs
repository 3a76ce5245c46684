// Runs `nest build` unless dist/ is newer than every source, so that `npm start` starts in a second
// when nothing changed instead of rebuilding for half a minute. The stamp is written after a
// successful build, dated when it began: a file saved during the build still counts as a change.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const STAMP = join(ROOT, 'dist', '.build-stamp');
const INPUTS = [
  'src',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
  'package-lock.json',
];

/** The latest modification under `path`; a directory's own time covers added and removed files. */
function lastChange(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => lastChange(join(path, entry))));
}

const builtAt = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
const changedAt = Math.max(
  ...INPUTS.map((input) => join(ROOT, input))
    .filter((path) => existsSync(path))
    .map(lastChange),
);
if (builtAt > changedAt) {
  console.log('dist/ is up to date with the sources: not rebuilding');
  process.exit(0);
}

console.log(
  builtAt === 0
    ? 'Building dist/ for the first time (nest build; a minute or so on a busy machine)...'
    : 'Sources changed since the last build: rebuilding dist/ (nest build)...',
);
const startedAt = new Date();
const nest = createRequire(import.meta.url).resolve('@nestjs/cli/bin/nest.js');
const build = spawnSync(process.execPath, [nest, 'build'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
writeFileSync(STAMP, '');
utimesSync(STAMP, startedAt, startedAt);
