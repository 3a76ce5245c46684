import { resolve } from 'node:path';

/** How much of everything to run. */
export type Mode = 'full' | 'quick' | 'smoke';

/** The scenarios, in the order they run; `--only` picks some. */
export const SCENARIOS = [
  'rest',
  'ops',
  'streams',
  'memory',
  'monitoring',
  'capacity',
  'breaker',
  'knowledge',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchOptions {
  mode: Mode;
  appDir: string;
  build: 'auto' | 'always' | 'never';
  only: ReadonlySet<ScenarioName>;
  /** After the table, profile the server under the load of each missed goal. */
  profile: boolean;
  /** The app's DB_POOL_SIZE, and the baseline's pool size. */
  poolSize: number;
  rest: { levels: number[]; durationSec: number; warmupSec: number };
  ops: { durationSec: number; scrapes: number };
  /** Sequential streams on the delay-0 instance. */
  streams: { count: number; words: number };
  memory: { warmup: number; blocks: number; blockSize: number; connections: number };
  monitoring: { durationSec: number; connections: number };
  /**
   * Concurrent streams on an instance with a delay between words and a long message, so that they
   * stay open until all are; held `holdMs`, then cancelled.
   */
  capacity: {
    levels: number[];
    /** Delay between words at low stream counts (a fast model: 20 words/s per stream at 50 ms). */
    minWordDelayMs: number;
    /**
     * Cap on the words per second of all streams together: beyond it the delay between words
     * grows with the stream count (see the capacity scenario for why).
     */
    maxWordsPerSecond: number;
    /** A fixed delay between words instead (`--word-delay`). */
    fixedWordDelayMs?: number;
    words: number;
    holdMs: number;
    openConcurrency: number;
  };
  breaker: { iterations: number };
  /**
   * The knowledge base: `documents` uploads of `paragraphs` chunks each (`ingestConcurrency` at a
   * time), then searches at each of `levels` concurrent clients, per path. A search run is a number
   * of requests: about `durationSec` worth at the pace measured beforehand, but at least
   * `minRequests` and `minRounds` per client (an exact search over 10,000 chunks takes seconds).
   */
  knowledge: {
    documents: number;
    paragraphs: number;
    ingestConcurrency: number;
    levels: number[];
    durationSec: number;
    warmupSec: number;
    minRequests: number;
    minRounds: number;
  };
}

const PRESETS: Record<
  Mode,
  Omit<BenchOptions, 'mode' | 'appDir' | 'build' | 'only' | 'profile'>
> = {
  full: {
    poolSize: 10,
    rest: { levels: [1, 10, 50, 100], durationSec: 10, warmupSec: 3 },
    ops: { durationSec: 5, scrapes: 200 },
    streams: { count: 200, words: 60 },
    memory: { warmup: 2_000, blocks: 10, blockSize: 1_000, connections: 10 },
    monitoring: { durationSec: 10, connections: 50 },
    capacity: {
      levels: [1_000, 5_000],
      minWordDelayMs: 50,
      maxWordsPerSecond: 1_000,
      words: 600,
      holdMs: 3_000,
      openConcurrency: 200,
    },
    breaker: { iterations: 200_000 },
    knowledge: {
      documents: 500,
      paragraphs: 20,
      ingestConcurrency: 4,
      levels: [1, 10],
      durationSec: 10,
      warmupSec: 2,
      minRequests: 10,
      minRounds: 2,
    },
  },
  quick: {
    poolSize: 10,
    rest: { levels: [1, 10, 50, 100], durationSec: 1, warmupSec: 0.5 },
    ops: { durationSec: 1, scrapes: 50 },
    streams: { count: 100, words: 60 },
    memory: { warmup: 500, blocks: 3, blockSize: 1_000, connections: 10 },
    monitoring: { durationSec: 1.5, connections: 50 },
    capacity: {
      levels: [100, 200],
      minWordDelayMs: 50,
      maxWordsPerSecond: 1_000,
      words: 200,
      holdMs: 500,
      openConcurrency: 100,
    },
    breaker: { iterations: 50_000 },
    knowledge: {
      // 1,600 chunks: 10 concurrent exact searches over 2,000 take ~5 s per run on 2 cores.
      documents: 80,
      paragraphs: 20,
      ingestConcurrency: 4,
      levels: [1, 10],
      durationSec: 1,
      warmupSec: 0.5,
      minRequests: 2,
      minRounds: 1,
    },
  },
  // Proves the suite works (CI): every scenario, tiny counts, figures printed but meaningless.
  smoke: {
    poolSize: 10,
    rest: { levels: [1, 10], durationSec: 0.5, warmupSec: 0.3 },
    ops: { durationSec: 0.3, scrapes: 5 },
    streams: { count: 10, words: 12 },
    memory: { warmup: 100, blocks: 3, blockSize: 100, connections: 5 },
    monitoring: { durationSec: 0.5, connections: 10 },
    capacity: {
      levels: [30],
      minWordDelayMs: 20,
      maxWordsPerSecond: 1_000,
      words: 100,
      holdMs: 300,
      openConcurrency: 30,
    },
    breaker: { iterations: 5_000 },
    knowledge: {
      documents: 10,
      paragraphs: 20,
      ingestConcurrency: 4,
      levels: [1, 10],
      durationSec: 0.3,
      warmupSec: 0.2,
      minRequests: 2,
      minRounds: 1,
    },
  },
};

const USAGE = `npm run bench -- [options]

  --quick            smaller counts and shorter runs (under two minutes)
  --smoke            tiny counts, proves the suite works (CI); figures are not meaningful
  --only a,b         run only these scenarios: ${SCENARIOS.join(', ')}
  --profile          afterwards, CPU-profile the server under the load of each missed goal
  --build            always run npm run build first (default: only when dist/ is older than src/)
  --no-build         never build
  --app-dir <dir>    benchmark the build of another checkout (default: this one)
  --pool-size <n>    DB_POOL_SIZE of the app and pool size of the baseline (default 10)
  --streams <n,...>  concurrent stream counts of the capacity scenario (default 1000,5000;
                     quick 100,200)
  --word-delay <ms>  a fixed delay between words in the capacity scenario (default: 50 ms, longer
                     above 50 streams so that all streams together get 1,000 words/s)
  --help`;

/** Parses the command line. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const args = [...argv];
  let mode: Mode = 'full';
  let build: BenchOptions['build'] = 'auto';
  let appDir = resolve(__dirname, '..', '..');
  let only: Set<ScenarioName> = new Set(SCENARIOS);
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
        const unknown = names.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
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
  const preset = PRESETS[mode];
  return {
    mode,
    appDir,
    build,
    only,
    profile,
    ...preset,
    poolSize: poolSize ?? preset.poolSize,
    capacity: {
      ...preset.capacity,
      levels: streamLevels ?? preset.capacity.levels,
      fixedWordDelayMs: wordDelay,
    },
  };
}
