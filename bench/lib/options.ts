import { resolve } from 'node:path';
import { SCENARIOS } from '../scenarios';
import type { Mode } from './scenario';

export type { Mode } from './scenario';

type Registered = (typeof SCENARIOS)[number];
export type ScenarioName = Registered['name'];
/** Each scenario's sizes for the chosen mode, under its name. */
type ScenarioSizes = { [S in Registered as S['name']]: S['sizes']['full'] };
const SCENARIO_NAMES: readonly ScenarioName[] = SCENARIOS.map((s) => s.name);

export type BenchOptions = ScenarioSizes & {
  mode: Mode;
  appDir: string;
  build: 'auto' | 'always' | 'never';
  only: ReadonlySet<ScenarioName>;
  /** After the table, profile the server under the load of each missed goal. */
  profile: boolean;
  /** The app's DB_POOL_SIZE, and the baseline's pool size. */
  poolSize: number;
};

function sizesFor(mode: Mode): ScenarioSizes {
  return Object.fromEntries(SCENARIOS.map((s) => [s.name, s.sizes[mode]])) as ScenarioSizes;
}

/** The app's default DB_POOL_SIZE, so that app and baseline get the same pool. */
const DEFAULT_POOL_SIZE = 10;

const USAGE = `npm run bench -- [options]

  --quick            smaller counts and shorter runs (under two minutes)
  --smoke            tiny counts, proves the suite works (CI); figures are not meaningful
  --only a,b         run only these scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}
  --profile          afterwards, CPU-profile the server under the load of each missed goal
  --build            always run npm run build first (default: only when dist/ is older than src/)
  --no-build         never build
  --app-dir <dir>    benchmark the build of another checkout (default: this one)
  --pool-size <n>    DB_POOL_SIZE of the app and pool size of the baseline (default 10)
  --streams <n,...>  concurrent stream counts of the capacity scenario (default 1000,5000;
                     quick 100,200)
  --word-delay <ms>  a fixed delay between words in the capacity scenario (default: 50 ms, longer
                     with many streams so that all together get 5,000 words/s; quick 1,000)
  --help`;

/** Parses the command line. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const args = [...argv];
  let mode: Mode = 'full';
  let build: BenchOptions['build'] = 'auto';
  let appDir = resolve(__dirname, '..', '..');
  let only: Set<ScenarioName> = new Set(SCENARIO_NAMES);
  let profile = false;
  let poolSize: number | undefined;
  let streamLevels: number[] | undefined;
  let wordDelay: number | undefined;
  while (args.length) {
    const arg = args.shift()!;
    switch (arg) {
      case '--quick':
        if (mode !== 'smoke') mode = 'quick';
        break;
      case '--smoke':
        mode = 'smoke';
        break;
      case '--profile':
        profile = true;
        break;
      case '--build':
        build = 'always';
        break;
      case '--no-build':
        build = 'never';
        break;
      case '--app-dir':
        appDir = resolve(args.shift() ?? '.');
        break;
      case '--pool-size':
        poolSize = Number(args.shift());
        break;
      case '--streams':
        streamLevels = (args.shift() ?? '').split(',').map(Number);
        if (!streamLevels.every((n) => Number.isInteger(n) && n > 0)) {
          throw new Error(`--streams takes positive integers\n${USAGE}`);
        }
        break;
      case '--word-delay':
        wordDelay = Number(args.shift());
        if (!Number.isInteger(wordDelay) || wordDelay < 1) {
          throw new Error(`--word-delay takes a positive integer\n${USAGE}`);
        }
        break;
      case '--only': {
        const names = (args.shift() ?? '').split(',').filter(Boolean);
        const unknown = names.filter((n) => !(SCENARIO_NAMES as readonly string[]).includes(n));
        if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}\n${USAGE}`);
        only = new Set(names as ScenarioName[]);
        break;
      }
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  }
  const preset = sizesFor(mode);
  return {
    mode,
    appDir,
    build,
    only,
    profile,
    ...preset,
    poolSize: poolSize ?? DEFAULT_POOL_SIZE,
    capacity: {
      ...preset.capacity,
      levels: streamLevels ?? preset.capacity.levels,
      fixedWordDelayMs: wordDelay,
    },
  };
}
