import type { BenchContext } from '../lib/context';
import { defineScenario } from '../lib/scenario';
import { vacuumAnalyze } from '../lib/database';
import { round } from '../lib/stats';
import type { HttpResult, RequestSpec } from '../load/protocol';
import type { Goal } from '../report';

/** The two REST routes measured, the bodies they get. */
export const REST_ENDPOINTS: ReadonlyArray<{ label: string; request: RequestSpec }> = [
  {
    label: 'POST /conversations',
    request: {
      method: 'POST',
      path: '/api/v1/conversations',
      body: { title: 'Benchmark conversation', metadata: { source: 'bench' } },
    },
  },
  { label: 'GET /conversations', request: { method: 'GET', path: '/api/v1/conversations' } },
];

/** The concurrency the latency and list throughput goals are set at. */
const GOAL_CONCURRENCY = 50;
/** The concurrency of the create goal (#14: at least 2,000 req/s at 20 connections). */
const CREATE_GOAL_CONCURRENCY = 20;

/** The throughput goal of a route at a concurrency, if any. */
function throughputGoal(method: string, connections: number): Goal | undefined {
  if (method === 'GET' && connections === GOAL_CONCURRENCY) return { op: '>=', value: 1500 };
  if (method === 'POST' && connections === CREATE_GOAL_CONCURRENCY) {
    return { op: '>=', value: 2000 };
  }
  return undefined;
}

/**
 * `VACUUM ANALYZE conversations`, as autovacuum does soon after a burst of inserts. The POST runs
 * add tens of thousands of rows in seconds; until the table is analysed again the planner thinks
 * the bench user has a handful and lists them by sorting all of them (27 ms) instead of reading
 * the first page off the (user_id, created_at, id) index (0.2 ms), for the app and the baseline
 * alike: the list figures then measured autovacuum's timing, not the servers.
 */
function settleConversations(ctx: BenchContext): Promise<void> {
  return vacuumAnalyze(ctx.db.url, ['conversations']);
}

/**
 * REST throughput and latency at each concurrency, the app and the baseline one after the other at
 * each level (so that a change in the machine's load hits both alike). Closed loop: each of the N
 * connections sends its next request when the previous answer arrives.
 */
async function run(ctx: BenchContext): Promise<void> {
  const { levels, durationSec, warmupSec } = ctx.options.rest;
  const baseline = await ctx.baseline();
  const servers = [ctx.main, baseline];
  const token = ctx.userToken;

  // Warm-up: JIT, pools filled, the list has a full page of rows for the bench user.
  for (const server of servers) {
    for (const { request } of REST_ENDPOINTS) {
      await ctx.agent.http({
        baseUrl: server.url,
        token,
        connections: 10,
        durationSec: warmupSec,
        requests: [request],
      });
    }
  }

  const runs: Array<{
    endpoint: string;
    connections: number;
    app: HttpResult;
    baseline: HttpResult;
  }> = [];
  for (const { label, request } of REST_ENDPOINTS) {
    await settleConversations(ctx);
    for (const connections of levels) {
      const job = { token, connections, durationSec, requests: [request] };
      const app = await ctx.agent.http({ baseUrl: ctx.main.url, ...job });
      const base = await ctx.agent.http({ baseUrl: baseline.url, ...job });
      runs.push({ endpoint: label, connections, app, baseline: base });
      ctx.log(
        `  ${label} @${connections}: ${app.rps} req/s p99 ${round(app.latency.p99)} ms` +
          ` (baseline ${base.rps} req/s p99 ${round(base.latency.p99)} ms)`,
      );

      const atGoal = connections === GOAL_CONCURRENCY;
      const name = `${label} @${connections}`;
      ctx.add(
        {
          group: 'REST',
          name: `${name}: throughput`,
          unit: 'req/s',
          measured: app.rps,
          baseline: base.rps,
          goal: throughputGoal(request.method, connections),
        },
        {
          group: 'REST',
          name: `${name}: p50`,
          unit: 'ms',
          measured: app.latency.p50,
          baseline: base.latency.p50,
        },
        {
          group: 'REST',
          name: `${name}: p95`,
          unit: 'ms',
          measured: app.latency.p95,
          baseline: base.latency.p95,
        },
        {
          group: 'REST',
          name: `${name}: p99`,
          unit: 'ms',
          measured: app.latency.p99,
          baseline: base.latency.p99,
          goal: atGoal && request.method === 'GET' ? { op: '<', value: 50 } : undefined,
        },
        {
          group: 'REST',
          name: `${name}: errors`,
          unit: '%',
          measured: app.errorRate * 100,
          baseline: base.errorRate * 100,
          goal: { op: '==', value: 0 },
        },
      );
      if (app.non2xx + app.errors + app.timeouts > 0) {
        ctx.failures.push({
          scenario: 'rest',
          message: `${name}: ${app.non2xx} non-2xx, ${app.errors} errors, ${app.timeouts} timeouts (${JSON.stringify(app.statusCodes)})`,
        });
      }
    }
  }

  // The framework's ceiling: the same list page from a bare NestJS app, at the goal's concurrency.
  const floor = await ctx.startNestFloor('nest-floor');
  let floorResult: HttpResult;
  try {
    const job = { token, connections: GOAL_CONCURRENCY, requests: [REST_ENDPOINTS[1].request] };
    await ctx.agent.http({ baseUrl: floor.url, ...job, durationSec: warmupSec });
    floorResult = await ctx.agent.http({ baseUrl: floor.url, ...job, durationSec });
  } finally {
    await ctx.stop(floor);
  }
  ctx.log(`  bare NestJS, same page from memory @${GOAL_CONCURRENCY}: ${floorResult.rps} req/s`);
  ctx.add(
    {
      group: 'REST',
      name: `GET /conversations @${GOAL_CONCURRENCY} from a bare NestJS app: throughput`,
      unit: 'req/s',
      measured: floorResult.rps,
      note: 'the page from memory: no middleware, auth or database; the framework ceiling',
    },
    {
      group: 'REST',
      name: `GET /conversations @${GOAL_CONCURRENCY} from a bare NestJS app: p99`,
      unit: 'ms',
      measured: floorResult.latency.p99,
    },
  );
  ctx.details.rest = { runs, nestFloor: floorResult };
}

/** Its counts and durations per mode (`ctx.options.rest`). */
export type RestSizes = { levels: number[]; durationSec: number; warmupSec: number };

export const restScenario = defineScenario<'rest', RestSizes>({
  name: 'rest',
  sizes: {
    full: { levels: [1, 10, 20, 50, 100], durationSec: 10, warmupSec: 3 },
    quick: { levels: [1, 10, 20, 50, 100], durationSec: 1, warmupSec: 0.5 },
    smoke: { levels: [1, 20], durationSec: 0.5, warmupSec: 0.3 },
  },
  run,
});
