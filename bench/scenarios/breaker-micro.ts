/**
 * In-process micro-benchmark of the compiled CircuitBreaker (dist/resilience/circuit-breaker.js),
 * run in a child process of its own so that nothing else shares its event loop or JIT state.
 * Reports nanoseconds per awaited call over IPC.
 *
 * Usage (by the runner): ts-node --swc bench/scenarios/breaker-micro.ts <appDir> <iterations>
 */
import { join } from 'node:path';
import type * as Breaker from '../../src/resilience/circuit-breaker';

const [appDir, iterationsArg] = process.argv.slice(2);
const iterations = Number(iterationsArg);
const ROUNDS = 5;

// The build of `appDir` (so that `--app-dir` measures another checkout), typed by this checkout's
// sources: a change of the API fails the type check here instead of the bench at run time.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CircuitBreaker } = require(
  join(appDir, 'dist', 'resilience', 'circuit-breaker.js'),
) as typeof Breaker;

// The cheapest async callee there is, so that what is left is the breaker's own cost.
// eslint-disable-next-line @typescript-eslint/require-await
const bare = async () => 1;
// A callee that declares the signal parameter gets an AbortController of its own (see
// CircuitBreaker.execute); one that declares none shares a never-aborted signal.
// eslint-disable-next-line @typescript-eslint/require-await
const withSignal = async (signal: AbortSignal) => (signal.aborted ? 0 : 1);

async function time(n: number, body: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await body();
  return Number(process.hrtime.bigint() - start) / n;
}

/** Median ns per call over ROUNDS rounds of `n` calls; the variants alternate within each round. */
async function compare(
  n: number,
  variants: Record<string, () => Promise<unknown>>,
): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = {};
  for (const name of Object.keys(variants)) {
    samples[name] = [];
    await time(n, variants[name]); // warm-up: let the JIT settle
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, body] of Object.entries(variants)) samples[name].push(await time(n, body));
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, values]) => [
      name,
      values.sort((a, b) => a - b)[ROUNDS >> 1],
    ]),
  );
}

async function main(): Promise<void> {
  const closed = new CircuitBreaker({ name: 'database' });
  const open = new CircuitBreaker({ name: 'database' });
  open.isolate();
  const error = new Error('refused');
  const calls = await compare(iterations, {
    bare: () => bare(),
    breaker: () => closed.execute(bare),
  });
  // The slower paths (an AbortController, an Error with its stack) need fewer calls for as steady
  // a figure.
  const slow = await compare(Math.ceil(iterations / 4), {
    bare: () => bare(),
    breakerWithSignal: () => closed.execute(withSignal),
    bareRejection: () => Promise.reject(error).catch(() => undefined),
    openRejection: () => open.execute(bare).catch(() => undefined),
  });
  process.send?.({
    iterations,
    rounds: ROUNDS,
    ...calls,
    breakerWithSignal: slow.breakerWithSignal - slow.bare + calls.bare,
    bareRejection: slow.bareRejection,
    openRejection: slow.openRejection,
  });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${String(e)}\n`);
    process.exit(1);
  },
);
