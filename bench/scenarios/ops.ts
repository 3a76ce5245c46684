import type { BenchContext } from '../lib/context';
import { defineScenario } from '../lib/scenario';

/**
 * What probes and Prometheus cost: `/health` (liveness, no dependency) and `/health/ready` (a
 * database round trip) at one connection, and the time to scrape `/metrics`.
 */
async function run(ctx: BenchContext): Promise<void> {
  const { durationSec, scrapes } = ctx.options.ops;
  const baseline = await ctx.baseline();
  const probes: Record<string, unknown> = {};
  for (const path of ['/health', '/health/ready']) {
    const job = { connections: 1, durationSec, requests: [{ method: 'GET' as const, path }] };
    const app = await ctx.agent.http({ baseUrl: ctx.main.url, ...job });
    const base = await ctx.agent.http({ baseUrl: baseline.url, ...job });
    probes[path] = { app, baseline: base };
    for (const p of ['p50', 'p99'] as const) {
      ctx.add({
        group: 'Operations',
        name: `GET ${path} @1: ${p}`,
        unit: 'ms',
        measured: app.latency[p],
        baseline: base.latency[p],
      });
    }
    if (app.ok !== app.responses || app.errors) {
      ctx.failures.push({
        scenario: 'ops',
        message: `${path}: ${JSON.stringify(app.statusCodes)}`,
      });
    }
  }

  const scrape = await ctx.agent.http({
    baseUrl: ctx.main.url,
    connections: 1,
    amount: scrapes,
    requests: [{ method: 'GET', path: '/metrics' }],
  });
  const size = (await (await fetch(`${ctx.main.url}/metrics`)).text()).length;
  ctx.add(
    {
      group: 'Operations',
      name: 'GET /metrics scrape: p50',
      unit: 'ms',
      measured: scrape.latency.p50,
      note: `${Math.round(size / 1024)} KiB of text`,
    },
    {
      group: 'Operations',
      name: 'GET /metrics scrape: p99',
      unit: 'ms',
      measured: scrape.latency.p99,
    },
  );
  ctx.details.ops = { probes, metricsScrape: scrape, metricsBytes: size };
}

/** Its counts and durations per mode (`ctx.options.ops`). */
export type OpsSizes = { durationSec: number; scrapes: number };

export const opsScenario = defineScenario<'ops', OpsSizes>({
  name: 'ops',
  sizes: {
    full: { durationSec: 5, scrapes: 200 },
    quick: { durationSec: 1, scrapes: 50 },
    smoke: { durationSec: 0.3, scrapes: 5 },
  },
  run,
});
