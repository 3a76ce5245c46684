import { randomUUID } from 'node:crypto';
import type { ServerInstance } from '../lib/app-server';
import type { BenchContext } from '../lib/context';
import { defineScenario } from '../lib/scenario';
import { collectAndRead } from '../lib/heap';
import { fetchJson } from '../lib/http';
import { InspectorSession } from '../lib/inspector';
import { sleep } from '../lib/processes';
import { round } from '../lib/stats';
import type { StreamsResult } from '../load/protocol';
import { message, recordLoss } from './streams';

const KIB = 1024;
// monitorEventLoopDelay samples with a 10 ms timer and its figures include that interval (an idle
// loop reads ~10.1 ms): the delay proper is the excess over it.
const LOOP_SAMPLING_MS = 10;
/**
 * The delay between words for a level: `minWordDelayMs` (50 ms, 20 words/s per stream, a fast
 * model), lengthened so that all streams together ask for at most `maxWordsPerSecond`. The full
 * run's cap (5,000 words/s) gives 5,000 streams one word a second each, #14's goal: holding that
 * many answers at a slow model's pace. Asked for more words than a process can stream, its event
 * loop saturates, streams open ever more slowly and the figure becomes the machine's token
 * throughput rather than how many streams it holds; the cost of words is measured by the
 * sequential streams and the OpenAI rows.
 */
export function wordDelayFor(streams: number, options: CapacitySizes): number {
  if (options.fixedWordDelayMs) return options.fixedWordDelayMs;
  return Math.max(options.minWordDelayMs, Math.ceil((streams * 1000) / options.maxWordsPerSecond));
}

/**
 * A safety net only: the hold starts when every stream is open, or after this. Streams that ended
 * by themselves before the last one opened show as "open at once" below the level.
 */
export const MAX_OPENING_MS = 300_000;

/**
 * The hold instances' settings: the delay between words; a per-call model timeout above the longest
 * answer; and an `llm` breaker that cannot open during the test: should cancelled runs ever count
 * as model failures, five cancels would open the circuit and every later run end with
 * `llm_unavailable`; the "llm breaker failures" row shows it and the capacity figures still
 * measure capacity. Exported for the profiler.
 */
export const HOLD_ENV = (wordDelayMs: number): Record<string, string> => ({
  LOCAL_MODEL_TOKEN_DELAY_MS: String(wordDelayMs),
  LLM_TIMEOUT_MS: '600000',
  // A held run's one model call streams for minutes: the llm breaker's per-call budget (60 s by
  // default) would end it with llm_error long before the cancel.
  CB_LLM_CALL_TIMEOUT_MS: '3600000',
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
  rssPeakMb: number;
  kibPerStream: number;
  /** Heap in use after a full collection, before and during the hold, per open stream. */
  heap?: { beforeMb: number; holdMb: number; kibPerStream: number };
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
 * open for `holdMs`, then cancels every run and reads each stream to its `complete_state`. RSS per
 * open stream is (RSS while the most streams were open − RSS before) / that number, RSS being read
 * with each progress report: an upper bound, as it also holds garbage not yet collected. With an inspector
 * session, the live heap is also read after a full collection before and halfway through the
 * hold: what the open streams really keep. Event-loop delay covers opening and holding.
 */
async function measure(
  ctx: BenchContext,
  server: ServerInstance,
  conversationIds: string[],
  content: string,
  settings: {
    holdMs: number;
    maxWaitMs: number;
    withLoopDelay: boolean;
    heap?: { session: InspectorSession; source: 'metrics' | 'inspector' };
  },
): Promise<Measured> {
  const heap = settings.heap;
  const heapBefore = heap && (await collectAndRead(server, heap.session, heap.source));
  if (settings.withLoopDelay) await readLoopDelay(ctx, server);
  const rssBefore = server.rss();
  // RSS paired with the number of streams open at the same moment (progress ticks, every 200 ms):
  // the highest RSS seen while the most streams were open.
  let peakOpen = 0;
  let rssAtPeak = rssBefore;
  let phase: string | undefined;
  let loop: Promise<LoopDelay> | undefined;
  let heapHold: Promise<{ heapMb: number }> | undefined;
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
      if (p.open > peakOpen) {
        peakOpen = p.open;
        rssAtPeak = server.rss();
      } else if (p.open === peakOpen) {
        rssAtPeak = Math.max(rssAtPeak, server.rss());
      }
      if (p.phase === 'holding' && phase !== 'holding' && heap) {
        heapHold = sleep(settings.holdMs / 2).then(() =>
          collectAndRead(server, heap.session, heap.source),
        );
      }
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
  // Divided by the streams open at the time, not the level: refused ones hold nothing.
  const openAtHold = Math.max(1, result.hold?.openAtHold ?? result.peakOpen);
  const held = heapHold && (await heapHold);
  return {
    result,
    rssBeforeMb: rssBefore / KIB / KIB,
    rssPeakMb: rssAtPeak / KIB / KIB,
    kibPerStream: (rssAtPeak - rssBefore) / KIB / Math.max(1, peakOpen),
    heap:
      heapBefore && held
        ? {
            beforeMb: heapBefore.heapMb,
            holdMb: held.heapMb,
            kibPerStream: ((held.heapMb - heapBefore.heapMb) * KIB) / openAtHold,
          }
        : undefined,
    loop: await loop,
  };
}

/**
 * Many concurrent streams: every one held open at the same time, then every one ended with
 * `complete_state` (no loss), with RSS per open stream and event-loop delay. Each level runs on a
 * fresh instance (a clean "before" RSS) whose local model waits {@link wordDelayFor} between words, on a
 * message long enough (`words`) that no stream ends by itself before the last one has opened:
 * opening thousands of streams takes longer than a short answer lasts. Once all are open they are
 * held `holdMs`, then each run is cancelled (`POST …/cancel`, as a user pressing stop) and must end
 * with `complete_state` (`finish_reason: cancelled`, or `stop` if it finished first).
 * `LLM_TIMEOUT_MS` is raised on that instance so that a long answer is not cut by the per-call
 * timeout. Each stream has its own conversation (one active run per conversation), created
 * beforehand, outside the measurement.
 */
async function run(ctx: BenchContext): Promise<void> {
  const { levels, words, holdMs } = ctx.options.capacity;
  const content = message(words);
  const runs: Array<{
    streams: number;
    wordDelayMs: number;
    app: Measured;
    baseline: Measured;
    llmFailedCalls: number;
  }> = [];
  try {
    for (const streams of levels) {
      const wordDelayMs = wordDelayFor(streams, ctx.options.capacity);
      const app = await ctx.startApp(`streams-hold-${streams}`, HOLD_ENV(wordDelayMs), {
        inspect: true,
      });
      const baseline = await ctx.startBaseline(`baseline-hold-${streams}`, wordDelayMs, true);
      const appSession = await InspectorSession.connect(app.inspectPort!);
      const baseSession = await InspectorSession.connect(baseline.inspectPort!);
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
        ctx.log(`  ${streams} concurrent streams, ${wordDelayMs} ms between words:`);
        const appRun = await measure(ctx, app, ids, content, {
          ...settings,
          withLoopDelay: true,
          heap: { session: appSession, source: 'metrics' },
        });
        const baseIds = ids.map(() => randomUUID());
        const baseRun = await measure(ctx, baseline, baseIds, content, {
          ...settings,
          heap: { session: baseSession, source: 'inspector' },
        });
        const llm = await fetchJson<{ metrics?: { failed_calls?: number } }>(
          `${app.url}/api/v1/resilience/circuit-breakers/llm`,
          { token: ctx.adminToken },
        );
        const cancelFailures = llm.body.metrics?.failed_calls ?? NaN;
        runs.push({
          streams,
          wordDelayMs,
          app: appRun,
          baseline: baseRun,
          llmFailedCalls: cancelFailures,
        });
        recordLoss(ctx, 'capacity', appRun.result);
        addFigures(ctx, streams, wordDelayMs, appRun, baseRun);
        ctx.add({
          group: 'Capacity',
          name: `${streams.toLocaleString('en-US')} streams: llm breaker failures after the cancels`,
          unit: '',
          measured: cancelFailures,
          goal: { op: '==', value: 0 },
          note: 'a cancel says nothing about the model; see CB_LLM_FAILURE_THRESHOLD in docs',
        });
      } finally {
        appSession.close();
        baseSession.close();
        await ctx.stop(baseline);
        await ctx.stop(app);
      }
    }
  } finally {
    ctx.details.capacity = { words, holdMs, runs };
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
      note: `${delay} ms between words`,
    },
    {
      group,
      name: `${name}: RSS per open stream`,
      unit: 'KiB',
      measured: appRun.kibPerStream,
      baseline: baseRun.kibPerStream,
      goal: { op: '<', value: 64 },
      note: '(RSS at the most streams open − before) / that many',
    },
    {
      group,
      name: `${name}: live heap per open stream`,
      unit: 'KiB',
      measured: appRun.heap?.kibPerStream ?? NaN,
      baseline: baseRun.heap?.kibPerStream ?? NaN,
      note: 'after a full GC, before and while held',
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

/**
 * Concurrent streams on an instance with a delay between words and a long message, so that they
 * stay open until all are; held `holdMs`, then cancelled (`ctx.options.capacity`).
 */
export interface CapacitySizes {
  levels: number[];
  /** Delay between words at low stream counts (a fast model: 20 words/s per stream at 50 ms). */
  minWordDelayMs: number;
  /**
   * Cap on the words per second of all streams together: beyond it the delay between words grows
   * with the stream count (see {@link wordDelayFor}).
   */
  maxWordsPerSecond: number;
  /** A fixed delay between words instead (`--word-delay`). */
  fixedWordDelayMs?: number;
  words: number;
  holdMs: number;
  openConcurrency: number;
}

export const capacityScenario = defineScenario<'capacity', CapacitySizes>({
  name: 'capacity',
  sizes: {
    full: {
      levels: [1_000, 5_000],
      minWordDelayMs: 50,
      maxWordsPerSecond: 5_000,
      words: 600,
      holdMs: 3_000,
      openConcurrency: 200,
    },
    quick: {
      levels: [100, 200],
      minWordDelayMs: 50,
      maxWordsPerSecond: 1_000,
      words: 200,
      holdMs: 500,
      openConcurrency: 100,
    },
    smoke: {
      levels: [30],
      minWordDelayMs: 20,
      maxWordsPerSecond: 1_000,
      words: 100,
      holdMs: 300,
      openConcurrency: 30,
    },
  },
  run,
});
