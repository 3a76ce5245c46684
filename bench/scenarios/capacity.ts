import { randomUUID } from 'node:crypto';
import type { ServerInstance } from '../lib/app-server';
import type { BenchContext } from '../lib/context';
import { fetchJson } from '../lib/http';
import { sleep } from '../lib/processes';
import { round } from '../lib/stats';
import type { StreamsResult } from '../load/protocol';
import { message, recordLoss } from './streams';

const KIB = 1024;
// monitorEventLoopDelay samples with a 10 ms timer and its figures include that interval (an idle
// loop reads ~10.1 ms): the delay proper is the excess over it.
const LOOP_SAMPLING_MS = 10;
/**
 * A safety net only: the hold starts when every stream is open, or after this. Streams that ended
 * by themselves before the last one opened show as "open at once" below the level.
 */
export const MAX_OPENING_MS = 300_000;

/**
 * The hold instances' settings: the delay between words; a per-call model timeout above the longest
 * answer; and an `llm` breaker that cannot open during the test. The last because cancelled runs
 * are counted as model failures (five cancels open the circuit and every later run ends with
 * `llm_unavailable`): the figure is reported as its own row, and the capacity test still measures
 * capacity. Exported for the profiler, which replays this load.
 */
export const HOLD_ENV = (tokenDelayMs: number): Record<string, string> => ({
  LOCAL_MODEL_TOKEN_DELAY_MS: String(tokenDelayMs),
  LLM_TIMEOUT_MS: '600000',
  STREAM_MAX_CONNECTIONS: '10000',
  CB_LLM_FAILURE_THRESHOLD: '10000',
});

interface LoopDelay {
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

interface Measured {
  result: StreamsResult;
  rssBeforeMb: number;
  rssHoldMb: number;
  kibPerStream: number;
  loop?: LoopDelay;
}

/** Event-loop delay since the previous read (each read resets the app's histogram). */
async function readLoopDelay(ctx: BenchContext, server: ServerInstance): Promise<LoopDelay> {
  const { body } = await fetchJson<{ details?: { event_loop?: LoopDelay } }>(
    `${server.url}/health/detailed`,
    { token: ctx.adminToken },
  );
  const loop = body.details?.event_loop;
  if (!loop) throw new Error('/health/detailed reported no event_loop figures');
  return loop;
}

/**
 * Opens every stream of the level (as fast as `openConcurrency` handshakes allow), holds them all
 * open for `holdMs`, then cancels every run and reads each stream to its `complete_state`. RSS is
 * sampled every 100 ms; RSS per open stream is (highest RSS during the hold − RSS before) / streams
 * open: an upper bound, as the peak also holds garbage not yet collected. Event-loop delay covers
 * opening and holding.
 */
async function measure(
  ctx: BenchContext,
  server: ServerInstance,
  conversationIds: string[],
  content: string,
  settings: { holdMs: number; maxWaitMs: number; withLoopDelay: boolean },
): Promise<Measured> {
  if (settings.withLoopDelay) await readLoopDelay(ctx, server);
  const rssBefore = server.rss();
  let rssHold = rssBefore;
  let phase: string | undefined;
  let loop: Promise<LoopDelay> | undefined;
  const sampler = setInterval(() => {
    if (phase === 'holding') rssHold = Math.max(rssHold, server.rss());
  }, 100);
  let lastLog = 0;
  const result = await ctx.agent.streams(
    {
      baseUrl: server.url,
      token: ctx.userToken,
      conversationIds,
      content,
      openConcurrency: ctx.options.capacity.openConcurrency,
      maxOpen: conversationIds.length,
      timeoutMs: 600_000,
      cancelAfterOpen: { holdMs: settings.holdMs, maxWaitMs: settings.maxWaitMs },
    },
    (p) => {
      if (p.phase === 'cancelling' && phase !== 'cancelling' && settings.withLoopDelay) {
        loop = readLoopDelay(ctx, server);
      }
      phase = p.phase;
      if (Date.now() - lastLog > 2_000) {
        lastLog = Date.now();
        ctx.log(`    ${server.name}: ${p.phase}, ${p.open} open, ${p.completed} ended`);
      }
    },
  );
  clearInterval(sampler);
  const open = result.hold?.allOpen ? conversationIds.length : result.peakOpen;
  return {
    result,
    rssBeforeMb: rssBefore / KIB / KIB,
    rssHoldMb: rssHold / KIB / KIB,
    kibPerStream: (rssHold - rssBefore) / KIB / Math.max(1, open),
    loop: await loop,
  };
}

/**
 * Many concurrent streams: every one held open at the same time, then every one ended with
 * `complete_state` (no loss), with RSS per open stream and event-loop delay. Each level runs on a
 * fresh instance (a clean "before" RSS) whose local model waits `tokenDelayMs` between words, on a
 * message long enough (`words`) that no stream ends by itself before the last one has opened:
 * opening thousands of streams takes longer than a short answer lasts. Once all are open they are
 * held `holdMs`, then each run is cancelled (`POST …/cancel`, as a user pressing stop) and must end
 * with `complete_state` (`finish_reason: cancelled`, or `stop` if it finished first).
 * `LLM_TIMEOUT_MS` is raised on that instance so that a long answer is not cut by the per-call
 * timeout. Each stream has its own conversation (one active run per conversation), created
 * beforehand, outside the measurement.
 */
export async function capacityScenario(ctx: BenchContext): Promise<void> {
  const { levels, tokenDelayMs, words, holdMs } = ctx.options.capacity;
  const content = message(words);
  const runs: Array<{
    streams: number;
    app: Measured;
    baseline: Measured;
    llmFailedCalls: number;
  }> = [];
  try {
    for (const streams of levels) {
      const app = await ctx.startApp(`streams-hold-${streams}`, HOLD_ENV(tokenDelayMs));
      const baseline = await ctx.startBaseline(`baseline-hold-${streams}`, tokenDelayMs);
      try {
        const settings = { holdMs, maxWaitMs: MAX_OPENING_MS, withLoopDelay: false };
        // Warm-up: a few streams each, so that lazily loaded code does not count per stream.
        const warm = await ctx.agent.createConversations({
          baseUrl: app.url,
          token: ctx.userToken,
          count: 20,
          concurrency: 10,
        });
        const warmSettings = { ...settings, holdMs: 200 };
        await measure(ctx, app, warm, content, warmSettings);
        await measure(
          ctx,
          baseline,
          warm.map(() => randomUUID()),
          content,
          warmSettings,
        );
        const ids = await ctx.agent.createConversations({
          baseUrl: app.url,
          token: ctx.userToken,
          count: streams,
          concurrency: 50,
        });
        await sleep(1_000); // let the creation burst's garbage go before the "before" RSS
        ctx.log(`  ${streams} concurrent streams, ${tokenDelayMs} ms between words:`);
        const appRun = await measure(ctx, app, ids, content, { ...settings, withLoopDelay: true });
        const baseIds = ids.map(() => randomUUID());
        const baseRun = await measure(ctx, baseline, baseIds, content, settings);
        const llm = await fetchJson<{ metrics?: { failed_calls?: number } }>(
          `${app.url}/api/v1/resilience/circuit-breakers/llm`,
          { token: ctx.adminToken },
        );
        const cancelFailures = llm.body.metrics?.failed_calls ?? NaN;
        runs.push({ streams, app: appRun, baseline: baseRun, llmFailedCalls: cancelFailures });
        recordLoss(ctx, 'capacity', appRun.result);
        addFigures(ctx, streams, tokenDelayMs, appRun, baseRun);
        ctx.add({
          group: 'Capacity',
          name: `${streams.toLocaleString('en-US')} streams: llm breaker failures after the cancels`,
          unit: '',
          measured: cancelFailures,
          goal: { op: '==', value: 0 },
          note: 'a cancel says nothing about the model; see CB_LLM_FAILURE_THRESHOLD in docs',
        });
      } finally {
        await ctx.stop(baseline);
        await ctx.stop(app);
      }
    }
  } finally {
    ctx.details.capacity = { tokenDelayMs, words, holdMs, runs };
  }
}

function addFigures(
  ctx: BenchContext,
  streams: number,
  delay: number,
  appRun: Measured,
  baseRun: Measured,
): void {
  const r = appRun.result;
  const b = baseRun.result;
  ctx.log(
    `  ${streams}: ${r.completed}/${r.started} ended with complete_state, peak ${r.peakOpen} open, ` +
      `${round(appRun.kibPerStream, 1)} KiB/stream, ${Math.round(r.totalMs)} ms`,
  );
  const group = 'Capacity';
  const name = `${streams.toLocaleString('en-US')} concurrent streams`;
  const excess = (v: number) => Math.max(0, v - LOOP_SAMPLING_MS);
  ctx.add(
    {
      group,
      name: `${name}: lost`,
      unit: '',
      measured: r.started - r.completed,
      baseline: b.started - b.completed,
      goal: { op: '==', value: 0 },
      note:
        r.failed > 0
          ? Object.entries(r.failures)
              .map(([why, n]) => `${n} ${why}`)
              .join(', ')
          : 'started − ended with complete_state after an unbroken seq',
    },
    {
      group,
      name: `${name}: open at once`,
      unit: '',
      measured: r.peakOpen,
      baseline: b.peakOpen,
      goal: { op: '>=', value: streams },
    },
    {
      group,
      name: `${name}: RSS per open stream`,
      unit: 'KiB',
      measured: appRun.kibPerStream,
      baseline: baseRun.kibPerStream,
      goal: { op: '<', value: 64 },
      note: '(RSS while all open − before) / open',
    },
    {
      group,
      name: `${name}: event-loop delay p99`,
      unit: 'ms',
      measured: excess(appRun.loop?.p99_ms ?? NaN),
      note: 'opening and holding; beyond the 10 ms sampling interval',
    },
    {
      group,
      name: `${name}: event-loop delay max`,
      unit: 'ms',
      measured: excess(appRun.loop?.max_ms ?? NaN),
    },
    {
      group,
      name: `${name}: time to open all`,
      unit: 'ms',
      measured: r.openPhaseMs,
      baseline: b.openPhaseMs,
    },
    {
      group,
      name: `${name}: first event p50`,
      unit: 'ms',
      measured: r.firstEvent.p50,
      baseline: b.firstEvent.p50,
    },
    {
      group,
      name: `${name}: chunks per second per stream while all open`,
      unit: '/s',
      measured: r.hold?.chunksPerSecondPerStream ?? NaN,
      baseline: b.hold?.chunksPerSecondPerStream ?? NaN,
      note: `${round(1000 / delay, 1)}/s when the server keeps up`,
    },
  );
}
