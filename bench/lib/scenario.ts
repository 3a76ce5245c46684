import type { BenchContext } from './context';

/** How much of everything to run. */
export type Mode = 'full' | 'quick' | 'smoke';

/**
 * A benchmark scenario: one file under bench/scenarios that declares its name, its counts per mode
 * and how it runs, listed once in bench/scenarios/index.ts. Nothing else names it: the runner, the
 * options (`--only`, `ctx.options[name]`) and the usage text all read that list.
 */
export interface Scenario<Name extends string = string, Sizes = unknown> {
  readonly name: Name;
  /** Counts and durations per mode; the chosen mode's are `ctx.options[name]`. */
  readonly sizes: Readonly<Record<Mode, Sizes>>;
  run(ctx: BenchContext): Promise<void>;
}

/** Declares a scenario, keeping its name and sizes as literal types for `BenchOptions`. */
export function defineScenario<Name extends string, Sizes>(
  scenario: Scenario<Name, Sizes>,
): Scenario<Name, Sizes> {
  return scenario;
}
