import { randomUUID } from 'node:crypto';
import type { ServerInstance } from '../lib/app-server';
import type { BenchContext } from '../lib/context';
import { scrapeMetrics } from '../lib/http';
import { cpuMillis } from '../lib/processes';
import { defineScenario } from '../lib/scenario';
import type { StreamsResult } from '../load/protocol';
import { recordLoss } from './streams';

/** What the scenario sizes: `runs` sequential runs at the smaller answer, half as many at the larger. */
export interface OpenAiSizes {
  runs: number;
  /** Tokens per answer: two sizes, so that CPU splits into a part per run and a part per token. */
  tokens: [number, number];
}

/** The question: the mock model (bench/servers/mock-openai.ts) answers with that many tokens. */
export function question(tokens: number): string {
  return `Answer in ${tokens} tokens please.`;
}

/** An app instance's settings for the OpenAI provider pointed at the mock model at `mockUrl`. */
export function openAiEnv(mockUrl: string): Record<string, string> {
  return {
    LLM_PROVIDER: 'openai',
    LLM_MODEL: 'gpt-4o-mini',
    OPENAI_API_KEY: 'bench',
    OPENAI_BASE_URL: `${mockUrl}/v1`,
  };
}

/** CPU of one process per completed stream over a job, and the job's result. */
interface Measured {
  cpuMsPerRun: number;
  result: StreamsResult;
}

/** Runs `ids.length` streams one after another on `server`, with the server's CPU around them. */
async function measure(
  ctx: BenchContext,
  server: ServerInstance,
  ids: string[],
  tokens: number,
): Promise<Measured> {
  const before = cpuMillis(server.pid);
  const result = await ctx.agent.streams({
    baseUrl: server.url,
    token: ctx.userToken,
    conversationIds: ids,
    content: question(tokens),
    openConcurrency: 1,
    maxOpen: 1,
    timeoutMs: 60_000,
  });
  return { cpuMsPerRun: (cpuMillis(server.pid) - before) / Math.max(1, result.completed), result };
}

/** A straight line through the two sizes: CPU per run = fixed + perToken × tokens. */
function split(small: Measured, large: Measured, [n1, n2]: [number, number]) {
  const perTokenMs = (large.cpuMsPerRun - small.cpuMsPerRun) / (n2 - n1);
  return { fixedMs: small.cpuMsPerRun - n1 * perTokenMs, perTokenUs: perTokenMs * 1000 };
}

/** Mean server-side first event over a period, from the app's own histogram. */
function serverFirstEventMs(before: Map<string, number>, after: Map<string, number>): number {
  const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
  const count = delta('stream_first_event_seconds_count');
  return count > 0 ? (delta('stream_first_event_seconds_sum') / count) * 1000 : NaN;
}

/**
 * The real provider path (#14): an app instance with `LLM_PROVIDER=openai` pointed at a mock
 * Chat Completions server in its own process that streams N tokens at 0 ms, and the bare baseline
 * relaying the same mock's stream. Sequential runs at two answer lengths give the server's CPU per
 * run at each; the line through them splits it into a fixed part per run and a part per token.
 */
async function run(ctx: BenchContext): Promise<void> {
  const { runs, tokens } = ctx.options.openai;
  const mock = await ctx.startMockOpenAI('mock-openai');
  const modelEnv = { OPENAI_BASE_URL: `${mock.url}/v1` };
  const app = await ctx.startApp('openai', openAiEnv(mock.url));
  const baseline = await ctx.startBaseline('baseline-openai', 0, false, modelEnv);
  try {
    const counts = [runs, Math.max(1, Math.ceil(runs / 2))];
    const warmup = Math.min(20, runs);
    const ids = await ctx.agent.createConversations({
      baseUrl: app.url,
      token: ctx.userToken,
      count: warmup + counts[0] + counts[1],
      concurrency: 10,
    });
    const uuids = (n: number) => Array.from({ length: n }, () => randomUUID());
    await measure(ctx, app, ids.splice(0, warmup), tokens[1]);
    await measure(ctx, baseline, uuids(warmup), tokens[1]);

    const appRuns: Measured[] = [];
    const baseRuns: Measured[] = [];
    let firstEventServerMs = NaN;
    const mockCpuBefore = cpuMillis(mock.pid);
    for (const [i, n] of tokens.entries()) {
      const before = i === 0 ? await scrapeMetrics(app.url) : undefined;
      appRuns.push(await measure(ctx, app, ids.splice(0, counts[i]), n));
      if (before) firstEventServerMs = serverFirstEventMs(before, await scrapeMetrics(app.url));
      baseRuns.push(await measure(ctx, baseline, uuids(counts[i]), n));
      ctx.log(
        `  ${counts[i]} runs of ${n} tokens: app ${appRuns[i].cpuMsPerRun.toFixed(2)} ms CPU/run, ` +
          `baseline ${baseRuns[i].cpuMsPerRun.toFixed(2)} ms`,
      );
    }
    const mockCpuMs = cpuMillis(mock.pid) - mockCpuBefore;
    const appSplit = split(appRuns[0], appRuns[1], tokens);
    const baseSplit = split(baseRuns[0], baseRuns[1], tokens);

    // The mock model streams at 0 ms per token from a process of its own.
    const group = 'OpenAI provider';
    const [small, large] = appRuns.map((m) => m.result);
    ctx.add(
      ...tokens.map((n, i) => ({
        group,
        name: `server CPU per run, ${n} tokens (${appRuns[i].result.chunksPerStream} chunks)`,
        unit: 'ms',
        measured: appRuns[i].cpuMsPerRun,
        baseline: baseRuns[i].cpuMsPerRun,
        note: `${counts[i]} sequential runs; the app process's CPU (/proc)`,
      })),
      {
        group,
        name: 'fixed server CPU per run',
        unit: 'ms',
        measured: appSplit.fixedMs,
        baseline: baseSplit.fixedMs,
        goal: { op: '<=', value: 5 },
        note: `the line through the ${tokens.join(' and ')} token runs, at 0 tokens`,
      },
      {
        group,
        name: 'server CPU per streamed token',
        unit: 'µs',
        measured: appSplit.perTokenUs,
        baseline: baseSplit.perTokenUs,
        goal: { op: '<=', value: 50 },
        note: 'slope of that line',
      },
      {
        group,
        name: `first event, ${tokens[0]} tokens: p50`,
        unit: 'ms',
        measured: small.firstEvent.p50,
        baseline: baseRuns[0].result.firstEvent.p50,
        note: 'client side on loopback; includes the request to the mock model',
      },
      {
        group,
        name: 'first event: server mean (stream_first_event_seconds)',
        unit: 'ms',
        measured: firstEventServerMs,
      },
      {
        group,
        name: 'runs lost',
        unit: '',
        measured: small.started - small.completed + large.started - large.completed,
        baseline:
          baseRuns[0].result.started -
          baseRuns[0].result.completed +
          baseRuns[1].result.started -
          baseRuns[1].result.completed,
        goal: { op: '==', value: 0 },
      },
    );
    recordLoss(ctx, 'openai', small);
    recordLoss(ctx, 'openai', large);
    ctx.details.openai = {
      tokens,
      counts,
      app: appRuns,
      baseline: baseRuns,
      appSplit,
      baselineSplit: baseSplit,
      firstEventServerMs,
      mockCpuMsPerRun: mockCpuMs / (counts[0] + counts[1]),
    };
  } finally {
    await ctx.stop(baseline);
    await ctx.stop(app);
    await ctx.stop(mock);
  }
}

export const openaiScenario = defineScenario<'openai', OpenAiSizes>({
  name: 'openai',
  sizes: {
    full: { runs: 300, tokens: [4, 400] },
    quick: { runs: 60, tokens: [4, 400] },
    smoke: { runs: 6, tokens: [4, 40] },
  },
  run,
});
