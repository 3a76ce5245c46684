/**
 * In-process micro-benchmark of the compiled agent (dist/agent: `AgentRunner`, LangChain's
 * `createAgent` with this app's middleware and the local model at 0 ms between words), in a child
 * process of its own: no HTTP, no database, no run storage. It is the floor under the app's
 * first-event latency and under its CPU per stream: what LangGraph costs before the model's first
 * word, and for a whole run. Reports over IPC.
 *
 * Usage (by the runner): ts-node --swc bench/scenarios/agent-micro.ts <appDir> <runs> <words>
 */
import { join } from 'node:path';
import type * as Agent from '../../src/agent';

const [appDir, runsArg, wordsArg] = process.argv.slice(2);
const runs = Number(runsArg);
const words = Number(wordsArg);

// The build of `appDir` (so that `--app-dir` measures another checkout), typed by this checkout's
// sources: a change of the API fails the type check here instead of the bench at run time.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AgentRunner } = require(join(appDir, 'dist', 'agent', 'index.js')) as typeof Agent;

/** What the child reports. */
export interface AgentMicroResult {
  runs: number;
  chunksPerRun: number;
  /** ms from `run()` to the first `message_chunk`, sorted. */
  firstChunkMs: number[];
  /** CPU ms (user + system) of the process per run. */
  cpuMsPerRun: number;
}

async function main(): Promise<void> {
  const runner = new AgentRunner({ provider: 'local', localTokenDelayMs: 0 });
  const content = Array.from({ length: words }, (_, i) => `word${i % 20}`).join(' ');
  const once = async () => {
    const started = performance.now();
    let first = NaN;
    let chunks = 0;
    for await (const event of runner.run({ history: [], message: content })) {
      if (event.type !== 'message_chunk') continue;
      if (chunks === 0) first = performance.now() - started;
      chunks++;
    }
    return { first, chunks };
  };
  for (let i = 0; i < Math.min(20, runs); i++) await once(); // warm-up: JIT, tokenizer
  const firstChunkMs: number[] = [];
  let chunksPerRun = 0;
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const { first, chunks } = await once();
    firstChunkMs.push(first);
    chunksPerRun = chunks;
  }
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  process.send?.({
    runs,
    chunksPerRun,
    firstChunkMs: firstChunkMs.sort((a, b) => a - b),
    cpuMsPerRun: cpuMs / runs,
  } satisfies AgentMicroResult);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
