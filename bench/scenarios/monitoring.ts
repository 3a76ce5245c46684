import type { BenchContext } from '../lib/context';
import { defineScenario } from '../lib/scenario';
import { round } from '../lib/stats';
import type { HttpResult } from '../load/protocol';

/**
 * What the built-in monitoring costs a request: `GET /conversations` on two fresh instances alike in
 * everything but `ENABLE_MONITORING` (true, the default, and false), alternated so that a change in
 * the machine's load hits both. Fresh instances rather than the main one: a process that has
 * served every other scenario (bigger heap, JIT state, `--inspect`) is not a fair twin. The flag
 * only turns off the per-route window behind `/api/v1/monitoring/endpoints`; the Prometheus
 * middleware and `/metrics` stay on in both (there is no switch for them), so this is the
 * window's overhead; `/metrics` scrape time is measured separately (ops).
 */
async function run(ctx: BenchContext): Promise<void> {
  const { durationSec, connections } = ctx.options.monitoring;
  const on = await ctx.startApp('monitoring-on', { ENABLE_MONITORING: 'true' });
  const off = await ctx.startApp('monitoring-off', { ENABLE_MONITORING: 'false' });
  try {
    const job = {
      token: ctx.userToken,
      connections,
      durationSec,
      requests: [{ method: 'GET' as const, path: '/api/v1/conversations' }],
    };
    const onRuns: HttpResult[] = [];
    const offRuns: HttpResult[] = [];
    // The first round warms both up and is not counted.
    for (let i = 0; i < 3; i++) {
      const a = await ctx.agent.http({ baseUrl: on.url, ...job });
      const b = await ctx.agent.http({ baseUrl: off.url, ...job });
      if (i > 0) {
        onRuns.push(a);
        offRuns.push(b);
      }
    }
    const mean = (runs: HttpResult[], pick: (r: HttpResult) => number) =>
      runs.reduce((sum, r) => sum + pick(r), 0) / runs.length;
    const onP50 = mean(onRuns, (r) => r.latency.p50);
    const offP50 = mean(offRuns, (r) => r.latency.p50);
    const onRps = mean(onRuns, (r) => r.rps);
    const offRps = mean(offRuns, (r) => r.rps);
    ctx.log(
      `  monitoring on/off: p50 ${round(onP50)} / ${round(offP50)} ms, ${round(onRps)} / ${round(offRps)} req/s`,
    );
    const label = `GET /conversations @${connections}`;
    ctx.add(
      {
        group: 'Operations',
        name: `${label}: p50, ENABLE_MONITORING=true`,
        unit: 'ms',
        measured: onP50,
      },
      {
        group: 'Operations',
        name: `${label}: p50, ENABLE_MONITORING=false`,
        unit: 'ms',
        measured: offP50,
      },
      {
        group: 'Operations',
        name: 'monitoring overhead on p50 latency',
        unit: '%',
        measured: ((onP50 - offP50) / offP50) * 100,
      },
      {
        group: 'Operations',
        name: 'monitoring overhead on throughput',
        unit: '%',
        measured: ((offRps - onRps) / offRps) * 100,
      },
    );
    ctx.details.monitoring = { on: onRuns, off: offRuns };
  } finally {
    await ctx.stop(off);
    await ctx.stop(on);
  }
}

/** Its counts and durations per mode (`ctx.options.monitoring`). */
export type MonitoringSizes = { durationSec: number; connections: number };

export const monitoringScenario = defineScenario<'monitoring', MonitoringSizes>({
  name: 'monitoring',
  sizes: {
    full: { durationSec: 10, connections: 50 },
    quick: { durationSec: 1.5, connections: 50 },
    smoke: { durationSec: 0.5, connections: 10 },
  },
  run,
});
