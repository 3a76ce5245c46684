import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerInstance } from '../lib/app-server';
import type { BenchContext } from '../lib/context';
import { InspectorSession } from '../lib/inspector';
import { monotonicMicros, sleep } from '../lib/processes';
import type { ScoredFigure } from '../report';
import { runBreakerMicro } from '../scenarios/breaker';
import { HOLD_ENV, MAX_OPENING_MS, wordDelayFor } from '../scenarios/capacity';
import { openAiEnv, question } from '../scenarios/openai';
import { message } from '../scenarios/streams';
import { REST_ENDPOINTS } from '../scenarios/rest';
import {
  renderHeapSummary,
  renderSummary,
  summarizeHeapProfile,
  summarizeProfile,
  type HeapSummary,
  type ProfileSummary,
} from './summarize';

/** One profiled load: which goal it explains and what the profile says. */
export interface GoalProfile {
  goal: string;
  load: string;
  summary: ProfileSummary | HeapSummary;
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
    load: (app: ServerInstance) => Promise<Window[]>,
  ) => {
    process.stdout.write(`\n== profile: ${goal}\n`);
    const dir = join(ctx.tmpDir, `profile-${profiles.length}`);
    const app = await ctx.startApp(`profile-${goal}`, env, { cpuProfileDir: dir, inspect: true });
    let windows: Window[];
    try {
      windows = await load(app);
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
    await profileApp('rest', {}, async ({ url }) => {
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
    await profileApp('streams', {}, async ({ url }) => {
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

  if (missed('OpenAI provider')) {
    const mock = await ctx.startMockOpenAI('profile-mock-openai');
    try {
      const { runs, tokens } = options.openai;
      await profileApp('openai', openAiEnv(mock.url), async ({ url }) => {
        const ids = await ctx.agent.createConversations({
          baseUrl: url,
          token: ctx.userToken,
          count: 10 + runs * tokens.length,
          concurrency: 10,
        });
        const job = { baseUrl: url, token: ctx.userToken, openConcurrency: 1, maxOpen: 1 };
        const streams = (n: number, count: number) =>
          ctx.agent.streams({
            ...job,
            content: question(n),
            conversationIds: ids.splice(0, count),
            timeoutMs: 60_000,
          });
        await streams(tokens[1], 10);
        const windows: Window[] = [];
        for (const n of tokens) {
          windows.push(
            await timed(`${runs} sequential runs of ${n} tokens`, () => streams(n, runs)),
          );
        }
        return windows;
      });
    } finally {
      await ctx.stop(mock);
    }
  }

  if (missed('Capacity')) {
    const { levels, words, openConcurrency, holdMs } = options.capacity;
    const streams = levels[levels.length - 1];
    const wordDelayMs = wordDelayFor(streams, options.capacity);
    await profileApp('capacity', HOLD_ENV(wordDelayMs), async (app) => {
      const ids = await ctx.agent.createConversations({
        baseUrl: app.url,
        token: ctx.userToken,
        count: streams,
        concurrency: 50,
      });
      // What the open streams keep alive: a sampling heap profile from before the first stream
      // opens to the middle of the hold (objects allocated and still alive then).
      const session = await InspectorSession.connect(app.inspectPort!);
      await session.send('HeapProfiler.startSampling', { samplingInterval: 16_384 });
      let heap: Promise<unknown> | undefined;
      const window = await timed(`${streams} concurrent streams, held then cancelled`, () =>
        ctx.agent.streams(
          {
            baseUrl: app.url,
            token: ctx.userToken,
            conversationIds: ids,
            content: message(words),
            openConcurrency,
            maxOpen: streams,
            timeoutMs: 600_000,
            cancelAfterOpen: { holdMs, maxWaitMs: MAX_OPENING_MS },
          },
          (p) => {
            if (p.phase === 'holding' && !heap) {
              heap = sleep(holdMs / 2).then(() => session.send('HeapProfiler.stopSampling'));
            }
          },
        ),
      );
      const sampled = (await heap) as {
        profile?: { head: Parameters<typeof summarizeHeapProfile>[0] };
      };
      session.close();
      if (sampled?.profile) {
        const summary = summarizeHeapProfile(sampled.profile.head);
        profiles.push({ goal: 'capacity', load: `live heap, ${streams} streams open`, summary });
        process.stdout.write(
          `${renderHeapSummary(`capacity: live heap while ${streams} streams are open`, summary)}\n`,
        );
      }
      return [window];
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
