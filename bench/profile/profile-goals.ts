import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../lib/context';
import { monotonicMicros } from '../lib/processes';
import type { ScoredFigure } from '../report';
import { runBreakerMicro } from '../scenarios/breaker';
import { HOLD_ENV, MAX_OPENING_MS } from '../scenarios/capacity';
import { message } from '../scenarios/streams';
import { REST_ENDPOINTS } from '../scenarios/rest';
import { renderSummary, summarizeProfile, type ProfileSummary } from './summarize';

/** One profiled load: which goal it explains and what the profile says. */
export interface GoalProfile {
  goal: string;
  load: string;
  summary: ProfileSummary;
}

interface Window {
  load: string;
  from: number;
  to: number;
}

const RESULTS_DIR = join(__dirname, '..', 'results', 'profiles');

/**
 * For each group of missed goals, starts a fresh app instance under `--cpu-prof`, replays the load
 * that missed, stops it (the profile is written on exit) and summarises self time within the load's
 * window only. The profiles are kept under bench/results/profiles/ for Chrome DevTools or speedscope.
 */
export async function profileMissedGoals(
  ctx: BenchContext,
  figures: readonly ScoredFigure[],
): Promise<GoalProfile[]> {
  const missed = (group: string) => figures.some((f) => f.group === group && f.pass === false);
  const profiles: GoalProfile[] = [];
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const { options } = ctx;

  const profileApp = async (
    goal: string,
    env: Record<string, string>,
    load: (url: string) => Promise<Window[]>,
  ) => {
    process.stdout.write(`\n== profile: ${goal}\n`);
    const dir = join(ctx.tmpDir, `profile-${profiles.length}`);
    const app = await ctx.startApp(`profile-${goal}`, env, { cpuProfileDir: dir });
    let windows: Window[];
    try {
      windows = await load(app.url);
    } finally {
      await ctx.stop(app);
    }
    const file = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!,
    );
    const kept = join(RESULTS_DIR, `${stamp}-${goal}.cpuprofile`);
    copyFileSync(file, kept);
    for (const w of windows) {
      const summary = summarizeProfile(kept, { fromMicros: w.from, toMicros: w.to });
      profiles.push({ goal, load: w.load, summary });
      process.stdout.write(`${renderSummary(`${goal}: ${w.load}`, summary)}\n`);
    }
  };
  const timed = async (load: string, run: () => Promise<unknown>): Promise<Window> => {
    const from = monotonicMicros();
    await run();
    return { load, from, to: monotonicMicros() };
  };

  if (missed('REST') || missed('Memory')) {
    await profileApp('rest', {}, async (url) => {
      const token = ctx.userToken;
      const base = { baseUrl: url, token, connections: 50 };
      for (const { request } of REST_ENDPOINTS) {
        await ctx.agent.http({ ...base, durationSec: options.rest.warmupSec, requests: [request] });
      }
      const windows: Window[] = [];
      for (const { label, request } of REST_ENDPOINTS) {
        windows.push(
          await timed(`${label} @50`, () =>
            ctx.agent.http({ ...base, durationSec: options.rest.durationSec, requests: [request] }),
          ),
        );
      }
      return windows;
    });
  }

  if (missed('Streaming')) {
    await profileApp('streams', {}, async (url) => {
      const { count, words } = options.streams;
      const ids = await ctx.agent.createConversations({
        baseUrl: url,
        token: ctx.userToken,
        count,
        concurrency: 10,
      });
      const job = {
        baseUrl: url,
        token: ctx.userToken,
        content: message(words),
        openConcurrency: 1,
        maxOpen: 1,
        timeoutMs: 30_000,
      };
      await ctx.agent.streams({ ...job, conversationIds: ids.slice(0, 10) });
      return [
        await timed(`${count - 10} sequential streams`, () =>
          ctx.agent.streams({ ...job, conversationIds: ids.slice(10) }),
        ),
      ];
    });
  }

  if (missed('Capacity')) {
    const { levels, tokenDelayMs, words, openConcurrency, holdMs } = options.capacity;
    const streams = levels[levels.length - 1];
    await profileApp('capacity', HOLD_ENV(tokenDelayMs), async (url) => {
      const ids = await ctx.agent.createConversations({
        baseUrl: url,
        token: ctx.userToken,
        count: streams,
        concurrency: 50,
      });
      return [
        await timed(`${streams} concurrent streams, held then cancelled`, () =>
          ctx.agent.streams({
            baseUrl: url,
            token: ctx.userToken,
            conversationIds: ids,
            content: message(words),
            openConcurrency,
            maxOpen: streams,
            timeoutMs: 600_000,
            cancelAfterOpen: { holdMs, maxWaitMs: MAX_OPENING_MS },
          }),
        ),
      ];
    });
  }

  if (missed('Resilience')) {
    process.stdout.write('\n== profile: breaker\n');
    const dir = join(ctx.tmpDir, 'profile-breaker');
    await runBreakerMicro(options.appDir, options.breaker.iterations, dir);
    const file = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!,
    );
    const kept = join(RESULTS_DIR, `${stamp}-breaker.cpuprofile`);
    copyFileSync(file, kept);
    const summary = summarizeProfile(kept);
    profiles.push({ goal: 'breaker', load: 'micro-benchmark', summary });
    process.stdout.write(`${renderSummary('breaker micro-benchmark', summary)}\n`);
  }
  return profiles;
}
