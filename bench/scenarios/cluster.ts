import type { BenchContext } from '../lib/context';
import { round } from '../lib/stats';
import { defineScenario } from '../lib/scenario';
import { REST_ENDPOINTS } from './rest';

/** Seconds per measured run and per warm-up, at each route's concurrency. */
export interface ClusterSizes {
  durationSec: number;
  warmupSec: number;
}

/** Each route at the concurrency of its goal in the REST rows. */
const CONNECTIONS: Record<string, number> = { POST: 20, GET: 50 };

/**
 * Both cores (#14 goal 6): the app with `WEB_CONCURRENCY=2` (two server processes sharing the port,
 * src/cluster-primary.ts) beside the same build in one process, on the REST routes, measured one
 * after the other. The baseline column is the single process: the ratio is what the second
 * process adds on a machine whose other core also serves PostgreSQL and the load.
 */
async function run(ctx: BenchContext): Promise<void> {
  const { durationSec, warmupSec } = ctx.options.cluster;
  const two = await ctx.startApp('cluster-2', { WEB_CONCURRENCY: '2' });
  try {
    for (const { label, request } of REST_ENDPOINTS) {
      const connections = CONNECTIONS[request.method] ?? 20;
      const job = { token: ctx.userToken, connections, requests: [request] };
      for (const server of [ctx.main, two]) {
        await ctx.agent.http({ baseUrl: server.url, ...job, durationSec: warmupSec });
      }
      const one = await ctx.agent.http({ baseUrl: ctx.main.url, ...job, durationSec });
      const both = await ctx.agent.http({ baseUrl: two.url, ...job, durationSec });
      ctx.log(
        `  ${label} @${connections}: 2 processes ${both.rps} req/s p99 ${round(both.latency.p99)} ms` +
          ` (1 process ${one.rps} req/s p99 ${round(one.latency.p99)} ms)`,
      );
      const name = `${label} @${connections}, 2 processes (WEB_CONCURRENCY=2)`;
      ctx.add(
        {
          group: 'Two processes',
          name: `${name}: throughput`,
          unit: 'req/s',
          measured: both.rps,
          baseline: one.rps,
          note: 'baseline column: the same app in one process',
        },
        {
          group: 'Two processes',
          name: `${name}: p99`,
          unit: 'ms',
          measured: both.latency.p99,
          baseline: one.latency.p99,
        },
        {
          group: 'Two processes',
          name: `${name}: errors`,
          unit: '%',
          measured: both.errorRate * 100,
          baseline: one.errorRate * 100,
          goal: { op: '==', value: 0 },
        },
      );
    }
  } finally {
    await ctx.stop(two);
  }
}

export const clusterScenario = defineScenario<'cluster', ClusterSizes>({
  name: 'cluster',
  sizes: {
    full: { durationSec: 10, warmupSec: 3 },
    quick: { durationSec: 2, warmupSec: 1 },
    smoke: { durationSec: 0.5, warmupSec: 0.3 },
  },
  run,
});
