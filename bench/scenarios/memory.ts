import type { BenchContext } from '../lib/context';
import { defineScenario } from '../lib/scenario';
import { collectAndRead } from '../lib/heap';
import { InspectorSession } from '../lib/inspector';
import { round, slope } from '../lib/stats';
import type { RequestSpec } from '../load/protocol';
import { REST_ENDPOINTS } from './rest';

interface Sample {
  requests: number;
  rssMb: number;
  heapMb: number;
  /** Throughput of the block that led here. */
  rps?: number;
}

/**
 * Memory after warm-up over blocks of requests (half creates, half lists), read after each block
 * with the heap collected first ({@link collectAndRead}): growth is the least-squares slope per
 * 1,000 requests over the readings.
 */
async function run(ctx: BenchContext): Promise<void> {
  const { warmup, blocks, blockSize, connections } = ctx.options.memory;
  const baseline = await ctx.baseline();
  const requests: RequestSpec[] = REST_ENDPOINTS.map((e) => e.request);
  const token = ctx.userToken;
  const series: Record<'app' | 'baseline', Sample[]> = { app: [], baseline: [] };

  for (const [key, server] of [
    ['app', ctx.main],
    ['baseline', baseline],
  ] as const) {
    const isApp = key === 'app';
    if (!server.inspectPort) throw new Error(`${server.name} was started without an inspector`);
    const session = await InspectorSession.connect(server.inspectPort);
    const read = () => collectAndRead(server, session, isApp ? 'metrics' : 'inspector');
    try {
      await ctx.agent.http({ baseUrl: server.url, token, connections, amount: warmup, requests });
      series[key].push({ requests: 0, ...(await read()) });
      for (let block = 1; block <= blocks; block++) {
        const result = await ctx.agent.http({
          baseUrl: server.url,
          token,
          connections,
          amount: blockSize,
          requests,
        });
        if (isApp && result.ok !== result.responses) {
          ctx.failures.push({
            scenario: 'memory',
            message: `block ${block}: ${JSON.stringify(result.statusCodes)}, ${result.errors} errors`,
          });
        }
        series[key].push({
          requests: block * blockSize,
          rps: result.rps,
          ...(await read()),
        });
      }
    } finally {
      session.close();
    }
  }

  const perThousand = (samples: Sample[], pick: (s: Sample) => number) =>
    slope(
      samples.map((s) => s.requests / 1000),
      samples.map(pick),
    );
  const total = (blocks * blockSize).toLocaleString('en-US');
  const heap = perThousand(series.app, (s) => s.heapMb);
  const rss = perThousand(series.app, (s) => s.rssMb);
  ctx.log(
    `  over ${total} requests: heap ${round(heap, 3)} MB, RSS ${round(rss, 3)} MB per 1,000 ` +
      `(heap ${series.app.map((s) => round(s.heapMb, 1)).join(' → ')} MB)`,
  );
  ctx.add(
    {
      group: 'Memory',
      name: `heap growth over ${total} requests after warm-up`,
      unit: 'MB/1k req',
      measured: heap,
      baseline: perThousand(series.baseline, (s) => s.heapMb),
      goal: { op: '<', value: 5 },
      note: 'after a full GC each 1,000',
      ratio: false,
    },
    {
      group: 'Memory',
      name: `RSS growth over ${total} requests after warm-up`,
      unit: 'MB/1k req',
      measured: rss,
      baseline: perThousand(series.baseline, (s) => s.rssMb),
      goal: { op: '<', value: 5 },
      ratio: false,
    },
    {
      group: 'Memory',
      name: 'heap used after warm-up and a full GC',
      unit: 'MB',
      measured: series.app[0].heapMb,
      baseline: series.baseline[0].heapMb,
    },
    {
      group: 'Memory',
      name: 'RSS after warm-up',
      unit: 'MB',
      measured: series.app[0].rssMb,
      baseline: series.baseline[0].rssMb,
    },
  );
  ctx.tables.push(
    [
      `Memory per ${blockSize.toLocaleString('en-US')} requests (after a full GC; baseline in brackets):`,
      '',
      '| requests | heap used | RSS |',
      '| -------: | --------: | --: |',
      ...series.app.map((s, i) => {
        const b = series.baseline[i];
        return `| ${s.requests.toLocaleString('en-US')} | ${s.heapMb.toFixed(1)} MB (${b?.heapMb.toFixed(1)}) | ${s.rssMb.toFixed(1)} MB (${b?.rssMb.toFixed(1)}) |`;
      }),
    ].join('\n'),
  );
  const rounded = (samples: Sample[]) =>
    samples.map((s) => ({ ...s, rssMb: round(s.rssMb, 2), heapMb: round(s.heapMb, 2) }));
  ctx.details.memory = {
    blockSize,
    app: rounded(series.app),
    baseline: rounded(series.baseline),
  };
}

/** Its counts and durations per mode (`ctx.options.memory`). */
export type MemorySizes = {
  warmup: number;
  blocks: number;
  blockSize: number;
  connections: number;
};

export const memoryScenario = defineScenario<'memory', MemorySizes>({
  name: 'memory',
  sizes: {
    full: { warmup: 2_000, blocks: 10, blockSize: 1_000, connections: 10 },
    quick: { warmup: 500, blocks: 3, blockSize: 1_000, connections: 10 },
    smoke: { warmup: 100, blocks: 3, blockSize: 100, connections: 5 },
  },
  run,
});
