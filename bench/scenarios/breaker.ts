import type { BenchContext } from '../lib/context';
import { defineScenario } from '../lib/scenario';
import { runReportingChild } from '../lib/processes';

/** What bench/scenarios/breaker-micro.ts reports: ns per awaited call. */
export interface BreakerMicroResult {
  iterations: number;
  rounds: number;
  bare: number;
  breaker: number;
  breakerWithSignal: number;
  bareRejection: number;
  openRejection: number;
}

/** Runs the micro-benchmark child (optionally under `--cpu-prof`) and returns its figures. */
export function runBreakerMicro(
  appDir: string,
  iterations: number,
  cpuProfileDir?: string,
): Promise<BreakerMicroResult> {
  return runReportingChild<BreakerMicroResult>(
    'scenarios/breaker-micro.ts',
    [appDir, String(iterations)],
    { nodeArgs: cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [] },
  );
}

/**
 * Circuit-breaker overhead per call: `execute(async () => 1)` against awaiting the bare function,
 * and the time to turn a call away while the circuit is open.
 */
async function run(ctx: BenchContext): Promise<void> {
  const r = await runBreakerMicro(ctx.options.appDir, ctx.options.breaker.iterations);
  const us = (ns: number) => ns / 1000;
  ctx.log(`  breaker: ${(r.breaker - r.bare).toFixed(0)} ns overhead per call`);
  ctx.add(
    {
      group: 'Resilience',
      name: 'breaker overhead per call, execute(async () => 1)',
      unit: 'µs',
      measured: us(r.breaker - r.bare),
      goal: { op: '<', value: 2 },
      note: `${us(r.breaker).toFixed(3)} vs ${us(r.bare).toFixed(3)} µs bare`,
    },
    {
      group: 'Resilience',
      name: 'breaker overhead per call, callee taking the signal',
      unit: 'µs',
      measured: us(r.breakerWithSignal - r.bare),
      note: 'an AbortController per call',
    },
    {
      group: 'Resilience',
      name: 'time to reject while open',
      unit: 'µs',
      measured: us(r.openRejection),
      note: `a bare rejected promise: ${us(r.bareRejection).toFixed(3)} µs`,
    },
  );
  ctx.details.breaker = r;
}

/** Its counts and durations per mode (`ctx.options.breaker`). */
export type BreakerSizes = { iterations: number };

export const breakerScenario = defineScenario<'breaker', BreakerSizes>({
  name: 'breaker',
  sizes: {
    full: { iterations: 200_000 },
    quick: { iterations: 50_000 },
    smoke: { iterations: 5_000 },
  },
  run,
});
