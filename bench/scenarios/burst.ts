import { randomUUID } from 'node:crypto';
import type { BenchContext } from '../lib/context';
import { defineScenario } from '../lib/scenario';
import type { StreamsResult } from '../load/protocol';
import { message } from './streams';

/** A burst: `streams` runs started at once, each `tokens` chunks `tokenDelayMs` apart. */
export interface BurstSizes {
  streams: number;
  tokens: number;
  tokenDelayMs: number;
}

/** The local model's fixed preamble is 8 words: the rest of the chunks are the user's words. */
const PREAMBLE_WORDS = 8;
/** #14: the whole burst completes within this, from the first request to the last end. */
const WALL_GOAL_MS = 5_000;

/** Streams refused before they started (an HTTP status instead of a stream). */
function refused(result: StreamsResult): number {
  return Object.entries(result.failures)
    .filter(([outcome]) => outcome.startsWith('status_'))
    .reduce((sum, [, count]) => sum + count, 0);
}

/**
 * A burst of runs that all complete (#14 goal 3): `streams` runs asked for at the same moment, each
 * answering `tokens` chunks at a model's pace; the burst must be served whole, fast, without a
 * refusal, a loss or a gap in seq. The app admits bursts by queueing starts (RUNS_START_*), so
 * this measures that queue as well as the streams. The baseline streams the same chunks at the
 * same pace with nothing stored.
 */
async function run(ctx: BenchContext): Promise<void> {
  const { streams, tokens, tokenDelayMs } = ctx.options.burst;
  const env = { LOCAL_MODEL_TOKEN_DELAY_MS: String(tokenDelayMs) };
  const app = await ctx.startApp('burst', env);
  const baseline = await ctx.startBaseline('baseline-burst', tokenDelayMs);
  try {
    const content = message(Math.max(1, tokens - PREAMBLE_WORDS));
    const job = { token: ctx.userToken, content, timeoutMs: 120_000 };
    const burst = { ...job, openConcurrency: streams, maxOpen: streams };
    // Warm-up: JIT, pools, the tokenizer; a handful of runs, not a burst.
    const warm = await ctx.agent.createConversations({
      baseUrl: app.url,
      token: ctx.userToken,
      count: streams + 10,
      concurrency: 10,
    });
    await ctx.agent.streams({
      baseUrl: app.url,
      conversationIds: warm.splice(0, 10),
      ...job,
      openConcurrency: 10,
      maxOpen: 10,
    });
    const result = await ctx.agent.streams({ baseUrl: app.url, conversationIds: warm, ...burst });
    const base = await ctx.agent.streams({
      baseUrl: baseline.url,
      conversationIds: Array.from({ length: streams }, () => randomUUID()),
      ...burst,
    });
    ctx.log(
      `  burst of ${streams}: ${result.completed}/${result.started} complete in ` +
        `${Math.round(result.totalMs)} ms (baseline ${Math.round(base.totalMs)} ms); ` +
        `failures ${JSON.stringify(result.failures)}`,
    );
    const group = 'Burst';
    const name = `${streams.toLocaleString('en-US')} runs at once, ${tokens} tokens at ${tokenDelayMs} ms`;
    const notRefused = (r: StreamsResult) => r.started - r.completed - refused(r);
    ctx.add(
      {
        group,
        name: `${name}: all complete, wall`,
        unit: 'ms',
        measured: result.totalMs,
        baseline: base.totalMs,
        goal: { op: '<=', value: WALL_GOAL_MS },
        note: `first request to last end; the answers alone take ${tokens * tokenDelayMs} ms`,
      },
      {
        group,
        name: `${name}: refused`,
        unit: '',
        measured: refused(result),
        baseline: refused(base),
        goal: { op: '==', value: 0 },
      },
      {
        group,
        name: `${name}: lost (incl. seq gaps)`,
        unit: '',
        measured: notRefused(result),
        baseline: notRefused(base),
        goal: { op: '==', value: 0 },
      },
      {
        group,
        name: `${name}: seq gaps`,
        unit: '',
        measured: result.failures.seq_gap ?? 0,
        baseline: base.failures.seq_gap ?? 0,
        goal: { op: '==', value: 0 },
      },
      {
        group,
        name: `${name}: first event p50`,
        unit: 'ms',
        measured: result.firstEvent.p50,
        baseline: base.firstEvent.p50,
      },
      {
        group,
        name: `${name}: first event p99`,
        unit: 'ms',
        measured: result.firstEvent.p99,
        baseline: base.firstEvent.p99,
      },
    );
    ctx.details.burst = { app: result, baseline: base };
  } finally {
    await ctx.stop(baseline);
    await ctx.stop(app);
  }
}

export const burstScenario = defineScenario<'burst', BurstSizes>({
  name: 'burst',
  sizes: {
    full: { streams: 1_000, tokens: 40, tokenDelayMs: 50 },
    quick: { streams: 200, tokens: 40, tokenDelayMs: 50 },
    smoke: { streams: 20, tokens: 12, tokenDelayMs: 20 },
  },
  run,
});
