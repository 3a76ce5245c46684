import { cpus } from 'node:os';
import { vacuumAnalyze } from '../lib/database';
import type { ServerInstance } from '../lib/app-server';
import type { BenchContext } from '../lib/context';
import { defineScenario } from '../lib/scenario';
import { fetchJson } from '../lib/http';
import {
  corpusQueries,
  DEFAULT_VECTOR_SEARCH_TIMEOUT_MS,
  KNOWLEDGE_SEARCH_TIMEOUT_MS,
} from '../lib/knowledge';
import { round } from '../lib/stats';
import type { HttpResult, IngestResult, RequestSpec } from '../load/protocol';

const GROUP = 'Knowledge';
/** Passages per search: the API's default. */
const K = 5;
const BREAKER_PATH = '/api/v1/resilience/circuit-breakers/vector_search';

/** `vector_search` of `/health/detailed`: the mode the app chose at start, and why. */
interface VectorSearchReport {
  state?: string;
  mode?: 'pgvector' | 'exact' | 'detecting';
  reason?: string;
  index?: string;
  dimensions?: number;
  embeddings?: string;
  circuit_state?: string;
}

/** One search path: where it is measured, what the baseline does instead, the strategy expected. */
interface SearchPath {
  label: string;
  server: ServerInstance;
  /** Appended to the baseline's query string: which of its SQL statements to run. */
  baselineParam: string;
  strategy: 'vector' | 'keyword_fallback';
  /** Before the path is measured (the keyword path isolates the vector_search breaker). */
  before?: () => Promise<void>;
  after?: () => Promise<void>;
  note: string;
}

/** The parts of a search answer the bench reads. */
interface SearchAnswer {
  strategy?: string;
  results?: Array<{ document_id: string; score: number }>;
}

interface PathRun {
  path: string;
  connections: number;
  app: HttpResult;
  baseline: HttpResult;
}

function searchRequests(queries: readonly string[], extra = ''): RequestSpec[] {
  return queries.map((q) => ({
    method: 'GET',
    path: `/api/v1/knowledge/search?q=${encodeURIComponent(q)}&k=${K}${extra}`,
  }));
}

async function vectorSearchReport(
  ctx: BenchContext,
  app: ServerInstance,
): Promise<VectorSearchReport> {
  const { body } = await fetchJson<{ details?: { vector_search?: VectorSearchReport } }>(
    `${app.url}/health/detailed`,
    { token: ctx.adminToken },
  );
  const report = body.details?.vector_search;
  if (!report?.mode) throw new Error('/health/detailed reported no vector_search mode');
  return report;
}

/** Isolates or resets the app's `vector_search` breaker and checks the state it reports. */
async function setBreaker(
  ctx: BenchContext,
  app: ServerInstance,
  action: 'isolate' | 'reset',
): Promise<void> {
  const expected = action === 'isolate' ? 'OPEN' : 'CLOSED';
  const { status, body } = await fetchJson<{ state?: string }>(
    `${app.url}${BREAKER_PATH}/${action}`,
    { method: 'POST', token: ctx.adminToken },
  );
  if (status !== 200 || body.state !== expected) {
    throw new Error(`POST ${BREAKER_PATH}/${action} answered ${status} ${JSON.stringify(body)}`);
  }
}

/**
 * Sends a few queries to the app and to the baseline, one at a time: whether both answer with the
 * same passages in the same order (the baseline must do the same work for the ratio to mean the
 * app's overhead), and the app's mean time per answer, which sizes the runs.
 */
async function pilot(
  ctx: BenchContext,
  path: SearchPath,
  baseline: ServerInstance,
  queries: readonly string[],
): Promise<{ mismatch?: string; appMs: number }> {
  const key = (body: SearchAnswer) =>
    (body.results ?? []).map((r) => `${r.document_id}:${r.score.toFixed(6)}`).join(',');
  let mismatch: string | undefined;
  let appMs = 0;
  for (const q of queries) {
    const [app] = searchRequests([q]);
    const [base] = searchRequests([q], path.baselineParam);
    const sentAt = performance.now();
    const a = await fetchJson<SearchAnswer>(`${path.server.url}${app.path}`, {
      token: ctx.userToken,
    });
    appMs += performance.now() - sentAt;
    const b = await fetchJson<SearchAnswer>(`${baseline.url}${base.path}`, {
      token: ctx.userToken,
    });
    if (a.status !== 200 || b.status !== 200) {
      throw new Error(
        `${path.label} search "${q}": the app answered ${a.status}, the baseline ${b.status}`,
      );
    }
    if (a.body.strategy !== path.strategy) {
      throw new Error(
        `${path.label} search "${q}": the app answered by ${a.body.strategy}, not ${path.strategy}`,
      );
    }
    if (key(a.body) !== key(b.body)) mismatch ??= `"${q}": different passages or scores`;
  }
  return { mismatch, appMs: appMs / queries.length };
}

/**
 * Requests in a run at `connections` clients: what one client makes in `seconds` at `paceMs` per
 * answer, times the cores when there are more clients (they share them), and at least
 * `minRequests` and `minRounds` per client. A fixed number rather than a duration, because a
 * duration ends with requests in flight, and an abandoned exact search keeps running in
 * PostgreSQL for seconds, into the next run.
 */
function requestCount(
  ctx: BenchContext,
  connections: number,
  seconds: number,
  paceMs: number,
): number {
  const { minRequests, minRounds } = ctx.options.knowledge;
  const perClient = Math.ceil((seconds * 1000) / Math.max(0.1, paceMs));
  return Math.max(
    minRequests,
    connections * minRounds,
    perClient * Math.min(connections, cpus().length),
  );
}

function ingestFigures(ctx: BenchContext, r: IngestResult, concurrency: number): void {
  const note = `${r.documents} documents of ${Math.round(r.chunks / Math.max(1, r.documents))} chunks, ${concurrency} uploads at a time`;
  ctx.add(
    {
      group: GROUP,
      name: 'ingest: chunks/s',
      unit: 'chunks/s',
      measured: r.chunks / r.durationSec,
      note,
    },
    {
      group: GROUP,
      name: 'ingest: documents/s',
      unit: 'doc/s',
      measured: r.documents / r.durationSec,
    },
    {
      group: GROUP,
      name: 'ingest: upload p50',
      unit: 'ms',
      measured: r.latency.p50,
      note: 'split, embed, one transaction',
    },
    { group: GROUP, name: 'ingest: upload p99', unit: 'ms', measured: r.latency.p99 },
    {
      group: GROUP,
      name: 'ingest: errors',
      unit: '%',
      measured: (r.failed / Math.max(1, r.documents + r.failed)) * 100,
      goal: { op: '==', value: 0 },
    },
  );
}

function searchFigures(ctx: BenchContext, path: SearchPath, run: PathRun): void {
  const { app, baseline: base, connections } = run;
  const name = `search, ${path.label} @${connections}`;
  ctx.add(
    {
      group: GROUP,
      name: `${name}: throughput`,
      unit: 'req/s',
      measured: app.rps,
      baseline: base.rps,
      note: connections === ctx.options.knowledge.levels[0] ? path.note : undefined,
    },
    ...(['p50', 'p95', 'p99'] as const).map((p) => ({
      group: GROUP,
      name: `${name}: ${p}`,
      unit: 'ms',
      measured: app.latency[p],
      baseline: base.latency[p],
      note: p === 'p99' ? `${app.responses} answers` : undefined,
    })),
    {
      group: GROUP,
      name: `${name}: errors`,
      unit: '%',
      measured: app.errorRate * 100,
      baseline: base.errorRate * 100,
      goal: { op: '==', value: 0 },
      note: `non-2xx, or strategy other than ${path.strategy}`,
    },
  );
  if (path.strategy === 'vector') {
    ctx.add({
      group: GROUP,
      name: `${name}: slower than the default ${DEFAULT_VECTOR_SEARCH_TIMEOUT_MS / 1000} s budget`,
      unit: '%',
      measured: ((app.slower ?? 0) / Math.max(1, app.responses)) * 100,
      baseline: ((base.slower ?? 0) / Math.max(1, base.responses)) * 100,
      ratio: false,
      note: 'answered by keyword search instead with the default CB_VECTOR_SEARCH_CALL_TIMEOUT_MS',
    });
  }
  if (app.ok === 0 || base.ok === 0) {
    ctx.failures.push({
      scenario: 'knowledge',
      message: `${name}: no answer (app ${app.ok}, baseline ${base.ok} of ${app.responses} / ${base.responses})`,
    });
  }
  if (app.non2xx + app.errors + app.timeouts + (app.mismatched ?? 0) > 0) {
    ctx.failures.push({
      scenario: 'knowledge',
      message:
        `${name}: ${app.non2xx} non-2xx, ${app.errors} errors, ${app.timeouts} timeouts, ` +
        `${app.mismatched ?? 0} answers not by ${path.strategy} (${JSON.stringify(app.statusCodes)}, ` +
        `${JSON.stringify(app.fieldValues)})`,
    });
  }
}

/**
 * The knowledge base (issue #4): ingest throughput, then search latency and throughput at each
 * concurrency for every search path there is, each next to the baseline doing the same SQL.
 *
 * - A fresh instance (`knowledge`), with `CB_VECTOR_SEARCH_CALL_TIMEOUT_MS` raised to
 *   {@link KNOWLEDGE_SEARCH_TIMEOUT_MS} so that an exact search over the whole corpus is measured,
 *   not cut short and answered by keyword search; the share of answers slower than the default
 *   budget is reported beside it. The vector mode is the app's own choice (`auto`), read from
 *   `/health/detailed`.
 * - Ingest: the synthetic corpus of bench/lib/knowledge.ts, `documents` uploads of `paragraphs`
 *   chunks each, a few at a time, through `POST /api/v1/knowledge/documents` (admin). Then
 *   `VACUUM ANALYZE` of the two tables, as autovacuum does soon after a bulk load: the searches
 *   run on a settled table (statistics, visibility map), and no autovacuum runs during them.
 * - Search: `GET /api/v1/knowledge/search?q=&k=5` as an ordinary user, the queries of the corpus
 *   rotated, closed loop at each level (1 and 10 clients), the app then the baseline, the same
 *   number of requests each (see {@link requestCount}), after a warm-up. Paths: vector
 *   search in the app's mode; with pgvector, exact search too, on a second instance with
 *   `KNOWLEDGE_VECTOR_INDEX=exact` (same data); and keyword search, reached through the HTTP
 *   surface by isolating the `vector_search` breaker (`POST …/circuit-breakers/vector_search/
 *   isolate`), so every search is refused by the breaker and answered by full-text search. Every
 *   answer's `strategy` is checked: one other than the path's counts as an error.
 */
async function run(ctx: BenchContext): Promise<void> {
  const { documents, paragraphs, ingestConcurrency, levels, durationSec, warmupSec } =
    ctx.options.knowledge;
  const queries = corpusQueries();
  const searchEnv = { CB_VECTOR_SEARCH_CALL_TIMEOUT_MS: String(KNOWLEDGE_SEARCH_TIMEOUT_MS) };
  const app = await ctx.startApp('knowledge', searchEnv);
  let exactApp: ServerInstance | undefined;
  try {
    const baseline = await ctx.baseline();
    const vector = await vectorSearchReport(ctx, app);
    ctx.log(
      `  vector search: ${vector.mode}` +
        (vector.mode === 'exact' ? ` (${vector.reason})` : ` (${vector.index})`),
    );

    const ingest = await ctx.agent.ingest({
      baseUrl: app.url,
      token: ctx.adminToken,
      first: 0,
      count: documents,
      paragraphs,
      concurrency: ingestConcurrency,
    });
    ctx.log(
      `  ingest: ${ingest.documents} documents, ${ingest.chunks} chunks in ${ingest.durationSec} s` +
        ` (${round(ingest.chunks / ingest.durationSec, 1)} chunks/s, p99 ${round(ingest.latency.p99)} ms per upload)`,
    );
    ingestFigures(ctx, ingest, ingestConcurrency);
    if (ingest.failed > 0) {
      ctx.failures.push({
        scenario: 'knowledge',
        message: `ingest: ${ingest.failed} uploads failed (${JSON.stringify(ingest.statusCodes)}), first: ${ingest.firstFailure}`,
      });
    }
    await vacuumAnalyze(ctx.db.url, ['knowledge_chunks', 'knowledge_documents']);

    ctx.add(
      {
        group: GROUP,
        name: 'corpus searched',
        unit: 'chunks',
        measured: ingest.chunks,
        note: `${ingest.documents} documents, ${queries.length} queries rotated, k=${K}`,
      },
      {
        group: GROUP,
        name: `vector search mode: ${vector.mode}`,
        unit: '',
        measured: NaN,
        note:
          vector.mode === 'pgvector'
            ? `HNSW index ${vector.index}, ${vector.dimensions} dimensions`
            : vector.reason,
      },
    );

    const paths: SearchPath[] = [];
    if (vector.mode === 'pgvector') {
      paths.push({
        label: 'vector (pgvector HNSW)',
        server: app,
        baselineParam: '&strategy=pgvector',
        strategy: 'vector',
        note: `approximate nearest neighbours through ${vector.index}`,
      });
      exactApp = await ctx.startApp('knowledge-exact', {
        ...searchEnv,
        KNOWLEDGE_VECTOR_INDEX: 'exact',
      });
    } else {
      ctx.add({
        group: GROUP,
        name: 'search, vector (pgvector HNSW): not available',
        unit: '',
        measured: NaN,
        note: vector.reason,
      });
    }
    paths.push(
      {
        label: 'vector (exact)',
        server: exactApp ?? app,
        baselineParam: '',
        strategy: 'vector',
        note: `local embedding, cosine similarity of every chunk in PostgreSQL`,
      },
      {
        label: 'keyword',
        server: app,
        baselineParam: '&strategy=keyword',
        strategy: 'keyword_fallback',
        before: () => setBreaker(ctx, app, 'isolate'),
        after: () => setBreaker(ctx, app, 'reset'),
        note: 'vector_search breaker isolated: PostgreSQL full-text search',
      },
    );

    const runs: PathRun[] = [];
    const sameWork: Record<string, string> = {};
    for (const path of paths) {
      await path.before?.();
      try {
        const { mismatch, appMs } = await pilot(ctx, path, baseline, queries.slice(0, 2));
        sameWork[path.label] = mismatch ?? 'same passages and scores';
        if (mismatch) {
          ctx.log(`  note: app and baseline differ on ${path.label} search: ${mismatch}`);
        }
        const targets = [
          { url: path.server.url, requests: searchRequests(queries) },
          { url: baseline.url, requests: searchRequests(queries, path.baselineParam) },
        ];
        const common = {
          token: ctx.userToken,
          timeoutSec: KNOWLEDGE_SEARCH_TIMEOUT_MS / 1000 + 5,
          checkField: { name: 'strategy', expected: path.strategy },
          slowerThanMs: DEFAULT_VECTOR_SEARCH_TIMEOUT_MS,
        };
        // Warm-up: JIT, pools filled, the tables in PostgreSQL's cache; about `warmupSec` with two
        // clients. None when one answer takes longer than that: the pilot has done it.
        const warmupClients = Math.min(2, Math.max(...levels));
        const warmupRounds = Math.floor((warmupSec * 1000) / Math.max(0.1, appMs));
        for (const target of warmupRounds > 0 ? targets : []) {
          await ctx.agent.http({
            ...common,
            baseUrl: target.url,
            requests: target.requests,
            connections: warmupClients,
            amount: warmupRounds * warmupClients,
          });
        }
        for (const connections of levels) {
          const amount = requestCount(ctx, connections, durationSec, appMs);
          const job = { ...common, connections, amount };
          const appRun = await ctx.agent.http({
            ...job,
            baseUrl: targets[0].url,
            requests: targets[0].requests,
          });
          const baseRun = await ctx.agent.http({
            ...job,
            baseUrl: targets[1].url,
            requests: targets[1].requests,
          });
          const run = { path: path.label, connections, app: appRun, baseline: baseRun };
          runs.push(run);
          ctx.log(
            `  ${path.label} @${connections}, ${amount} requests: ${appRun.rps} req/s` +
              ` p50 ${round(appRun.latency.p50)} ms p99 ${round(appRun.latency.p99)} ms (baseline` +
              ` ${baseRun.rps} req/s p50 ${round(baseRun.latency.p50)} ms p99 ${round(baseRun.latency.p99)} ms)`,
          );
          searchFigures(ctx, path, run);
        }
      } finally {
        await path.after?.();
      }
    }
    ctx.details.knowledge = { vector, ingest, queries, sameWork, runs };
  } finally {
    if (exactApp) await ctx.stop(exactApp);
    await ctx.stop(app);
  }
}

/**
 * The knowledge base: `documents` uploads of `paragraphs` chunks each (`ingestConcurrency` at a
 * time), then searches at each of `levels` concurrent clients, per path. A search run is a number
 * of requests: about `durationSec` worth at the pace measured beforehand, but at least
 * `minRequests` and `minRounds` per client (an exact search over 10,000 chunks takes seconds).
 */
export interface KnowledgeSizes {
  documents: number;
  paragraphs: number;
  ingestConcurrency: number;
  levels: number[];
  durationSec: number;
  warmupSec: number;
  minRequests: number;
  minRounds: number;
}

export const knowledgeScenario = defineScenario<'knowledge', KnowledgeSizes>({
  name: 'knowledge',
  sizes: {
    full: {
      documents: 500,
      paragraphs: 20,
      ingestConcurrency: 4,
      levels: [1, 10],
      durationSec: 10,
      warmupSec: 2,
      minRequests: 10,
      minRounds: 2,
    },
    quick: {
      // Few chunks: ten concurrent exact searches over a couple of thousand take seconds per run.
      documents: 80,
      paragraphs: 20,
      ingestConcurrency: 4,
      levels: [1, 10],
      durationSec: 1,
      warmupSec: 0.5,
      minRequests: 2,
      minRounds: 1,
    },
    smoke: {
      documents: 10,
      paragraphs: 20,
      ingestConcurrency: 4,
      levels: [1, 10],
      durationSec: 0.3,
      warmupSec: 0.2,
      minRequests: 2,
      minRounds: 1,
    },
  },
  run,
});
