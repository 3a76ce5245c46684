import { randomUUID } from 'node:crypto';
import type { BenchContext } from '../lib/context';
import { defineScenario } from '../lib/scenario';
import { scrapeMetrics } from '../lib/http';
import { cpuMillis, runReportingChild } from '../lib/processes';
import { percentile } from '../lib/stats';
import type { AgentMicroResult } from './agent-micro';
import type { StreamsResult } from '../load/protocol';

const WORDS = [
  'alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett',
  'kilo', 'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango',
]; // prettier-ignore

/**
 * A message of `count` words for the local model. Plain words only: digits with an operator
 * would make it call the calculator, "search … knowledge base" or "what time" other tools; a
 * plain message is answered by streaming its 8-word preamble and then the words back, one chunk
 * per word.
 */
export function message(count: number): string {
  return Array.from({ length: count }, (_, i) => WORDS[i % WORDS.length]).join(' ');
}

/** Mean server-side time to first event over a period, from the app's own histogram. */
function serverFirstEventMs(before: Map<string, number>, after: Map<string, number>): number {
  const sum =
    (after.get('agent_server_stream_first_event_seconds_sum') ?? 0) -
    (before.get('agent_server_stream_first_event_seconds_sum') ?? 0);
  const count =
    (after.get('agent_server_stream_first_event_seconds_count') ?? 0) -
    (before.get('agent_server_stream_first_event_seconds_count') ?? 0);
  return count > 0 ? (sum / count) * 1000 : NaN;
}

/**
 * Streams one after another on the instance with no delay between words: first-event latency and
 * chunk rate. Each stream gets a conversation of its own (a conversation has one active run).
 */
async function run(ctx: BenchContext): Promise<void> {
  const { count, words } = ctx.options.streams;
  const baseline = await ctx.baseline();
  const content = message(words);
  const token = ctx.userToken;
  const sequential = { token, content, openConcurrency: 1, maxOpen: 1, timeoutMs: 30_000 };

  const warmup = Math.min(20, count);
  const ids = await ctx.agent.createConversations({
    baseUrl: ctx.main.url,
    token,
    count: count + warmup,
    concurrency: 10,
  });
  await ctx.agent.streams({
    baseUrl: ctx.main.url,
    conversationIds: ids.slice(count),
    ...sequential,
  });
  await ctx.agent.streams({
    baseUrl: baseline.url,
    conversationIds: Array.from({ length: warmup }, () => randomUUID()),
    ...sequential,
  });

  const before = await scrapeMetrics(ctx.main.url);
  const cpuBefore = cpuMillis(ctx.main.pid);
  const app = await ctx.agent.streams({
    baseUrl: ctx.main.url,
    conversationIds: ids.slice(0, count),
    ...sequential,
  });
  const cpuMs = cpuMillis(ctx.main.pid) - cpuBefore;
  const after = await scrapeMetrics(ctx.main.url);
  const base = await ctx.agent.streams({
    baseUrl: baseline.url,
    conversationIds: Array.from({ length: count }, () => randomUUID()),
    ...sequential,
  });
  const serverMean = serverFirstEventMs(before, after);
  ctx.log(
    `  ${count} sequential streams: first event p50 ${app.firstEvent.p50.toFixed(2)} ms ` +
      `(server mean ${serverMean.toFixed(2)} ms), ${app.completed}/${app.started} complete`,
  );

  const group = 'Streaming';
  ctx.add(
    {
      group,
      name: `first event, ${count} sequential streams: p50`,
      unit: 'ms',
      measured: app.firstEvent.p50,
      baseline: base.firstEvent.p50,
      goal: { op: '<', value: 5 },
      note: 'client side on loopback: an upper bound of server time',
    },
    {
      group,
      name: 'first event: p95',
      unit: 'ms',
      measured: app.firstEvent.p95,
      baseline: base.firstEvent.p95,
    },
    {
      group,
      name: 'first event: p99',
      unit: 'ms',
      measured: app.firstEvent.p99,
      baseline: base.firstEvent.p99,
    },
    {
      group,
      name: 'first event: server mean (agent_server_stream_first_event_seconds)',
      unit: 'ms',
      measured: serverMean,
      note: 'from the route handler on; excludes parsing, auth and validation',
    },
    {
      group,
      name: 'headers and `: connected`: p50',
      unit: 'ms',
      measured: app.connected.p50,
      baseline: base.connected.p50,
    },
    {
      group,
      name: `chunks per second per stream, whole run (${app.chunksPerStream} chunks): p50`,
      unit: '/s',
      measured: app.serverChunksPerSecond.p50,
      baseline: base.serverChunksPerSecond.p50,
      note: 'chunks / complete_state.duration_ms',
    },
    {
      group,
      name: 'chunks per second per stream, as delivered: p50',
      unit: '/s',
      measured: app.chunksPerSecond.p50,
      baseline: base.chunksPerSecond.p50,
      note: 'first chunk to last, client side',
    },
    {
      group,
      name: 'sequential streams lost',
      unit: '',
      measured: app.started - app.completed,
      baseline: base.started - base.completed,
      goal: { op: '==', value: 0 },
    },
  );
  // The floor under both figures: the agent alone, in a process of its own.
  const agent = await runAgentMicro(ctx.options.appDir, Math.max(20, count), words);
  ctx.add(
    {
      group,
      name: 'first chunk inside the agent alone: p50',
      unit: 'ms',
      measured: percentile(agent.firstChunkMs, 50),
      note: 'in-process createAgent + local model, no HTTP, database or storage: the floor of first event',
    },
    {
      group,
      name: 'first chunk inside the agent alone: p99',
      unit: 'ms',
      measured: percentile(agent.firstChunkMs, 99),
    },
    {
      group,
      name: `server CPU per stream (${app.chunksPerStream} chunks)`,
      unit: 'ms',
      measured: cpuMs / Math.max(1, app.completed),
      note: 'the app process over the sequential streams: HTTP, run start, agent, storage, SSE',
    },
    {
      group,
      name: `agent CPU per run alone (${agent.chunksPerRun} chunks)`,
      unit: 'ms',
      measured: agent.cpuMsPerRun,
      note: 'in-process: LangGraph steps, LangChain callbacks, the messages stream mode',
    },
  );
  recordLoss(ctx, 'streams', app);
  ctx.details.streams = {
    content,
    app,
    baseline: base,
    serverFirstEventMeanMs: serverMean,
    serverCpuMs: cpuMs,
    agentAlone: agent,
  };
}

/** Runs bench/scenarios/agent-micro.ts in a child process and returns its figures. */
export function runAgentMicro(
  appDir: string,
  runs: number,
  words: number,
): Promise<AgentMicroResult> {
  return runReportingChild<AgentMicroResult>(
    'scenarios/agent-micro.ts',
    [appDir, String(runs), String(words)],
    // The agent's settings come from the arguments; nothing of the shell's LLM_* may leak in.
    { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } },
  );
}

/** A stream that did not complete is an error of the run, whatever the goals. */
export function recordLoss(ctx: BenchContext, scenario: string, result: StreamsResult): void {
  if (result.failed > 0) {
    ctx.failures.push({
      scenario,
      message: `${result.failed} of ${result.started} streams did not complete: ${JSON.stringify(result.failures)}`,
    });
  }
}

/** Its counts and durations per mode (`ctx.options.streams`). */
export type StreamsSizes = { count: number; words: number };

export const streamsScenario = defineScenario<'streams', StreamsSizes>({
  name: 'streams',
  sizes: {
    full: { count: 200, words: 60 },
    quick: { count: 100, words: 60 },
    smoke: { count: 10, words: 12 },
  },
  run,
});
