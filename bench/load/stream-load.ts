import { Agent, request } from 'node:http';
import { SseReader, type SseMessage } from '../../test/support/stream-parsers';
import { summarize } from '../lib/stats';
import type {
  CreateConversationsJob,
  StreamsJob,
  StreamsProgress,
  StreamsResult,
} from './protocol';

/*
 * One socket per open stream, no pooling limit: `maxSockets: Infinity` (the default agent's too,
 * but explicit here because 5,000 concurrent streams depend on it). Keep-alive so that sequential
 * streams reuse a connection, as a browser would.
 */
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });

/** Creates `count` conversations, `concurrency` requests at a time; returns their ids. */
export async function createConversations(job: CreateConversationsJob): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < job.count) {
      next += 1;
      const { status, body } = await post(job.baseUrl, '/api/v1/conversations', job.token, {
        title: 'bench stream',
      });
      if (status !== 201) throw new Error(`POST /conversations answered ${status}: ${body}`);
      ids.push((JSON.parse(body) as { id: string }).id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(job.concurrency, job.count) }, worker));
  return ids;
}

/** One POST with a JSON body on the keep-alive agent; the answer's status and whole body. */
export function post(
  baseUrl: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, baseUrl),
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Per-stream record. Times are `performance.now()` ms. */
interface StreamRecord {
  sentAt: number;
  connectedAt?: number;
  firstEventAt?: number;
  lastChunkAt?: number;
  chunks: number;
  events: number;
  nextSeq: number;
  /** `duration_ms` of `complete_state`: the server's own time for the whole run. */
  serverMs?: number;
  finishReason?: string;
  outcome?: string;
}

/**
 * Takes one parsed SSE message: what proves "no loss" (each `id:` carries `<run>:<seq>`; the seqs
 * must run 1, 2, 3… and end with `complete_state`) and the timings. Payloads other than the
 * terminal event are not JSON-parsed: the reader must keep up with thousands of streams in one
 * process without becoming the bottleneck it measures.
 */
function consume(message: SseMessage, record: StreamRecord, now: number): void {
  // `completed` below means a `complete_state` arrived after an unbroken run of seqs; whether its
  // finish_reason was expected is checked when the stream ends.
  record.connectedAt ??= now;
  if (message.id === undefined || message.event === undefined) return; // preamble or heartbeat
  record.firstEventAt ??= now;
  record.events += 1;
  const seq = Number(message.id.slice(message.id.lastIndexOf(':') + 1));
  if (seq !== record.nextSeq) record.outcome ??= 'seq_gap';
  record.nextSeq = seq + 1;
  if (message.event === 'message_chunk') {
    record.chunks += 1;
    record.lastChunkAt = now;
  } else if (message.event === 'complete_state') {
    const state = JSON.parse(message.data ?? '{}') as {
      finish_reason?: string;
      duration_ms?: number;
    };
    record.serverMs = state.duration_ms;
    record.finishReason = state.finish_reason;
    record.outcome ??= 'completed';
  } else if (message.event === 'error') {
    record.outcome ??= `error_event:${(JSON.parse(message.data ?? '{}') as { code?: string }).code ?? 'unknown'}`;
  }
}

/**
 * Opens `conversationIds.length` streams: at most `openConcurrency` waiting for headers and at most
 * `maxOpen` open at once, and reads each to its end.
 */
export async function runStreamsJob(
  job: StreamsJob,
  onProgress: (progress: StreamsProgress) => void,
): Promise<StreamsResult> {
  const total = job.conversationIds.length;
  const records: StreamRecord[] = [];
  const body = JSON.stringify({ content: job.content });
  // A run ends `stop`; one the job cancels may also end `cancelled`.
  const expectedFinish = new Set(job.cancelAfterOpen ? ['stop', 'cancelled'] : ['stop']);
  let open = 0; // requested and not ended: bounded by maxOpen
  let opening = 0; // requested, no headers yet: bounded by openConcurrency
  let live = 0; // headers received and not ended: what the server holds open
  let peakLive = 0;
  let completed = 0;
  let failed = 0;
  let allOpenAt = 0;
  let headersReceived = 0;
  let answered = 0; // headers received, or failed before them
  const started = performance.now();
  // Resolves the admission loop's wait when a slot may have been freed.
  let wake: (() => void) | undefined;
  const slotFreed = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };

  let phase: StreamsProgress['phase'] = 'opening';
  const progress = setInterval(() => onProgress({ open: live, completed, failed, phase }), 200);

  const openOne = (conversationId: string): Promise<void> =>
    new Promise((resolve) => {
      const record: StreamRecord = { sentAt: performance.now(), chunks: 0, events: 0, nextSeq: 1 };
      records.push(record);
      const reader = new SseReader();
      let awaitingHeaders = true;
      let isLive = false;
      let settled = false;
      open += 1;
      opening += 1;
      const headersDone = () => {
        if (!awaitingHeaders) return;
        awaitingHeaders = false;
        opening -= 1;
        answered += 1;
        slotFreed();
      };
      const finish = (outcome: string) => {
        if (settled) return;
        settled = true;
        record.outcome ??= outcome;
        if (record.outcome === 'completed' && !expectedFinish.has(record.finishReason ?? '')) {
          record.outcome = `finish_${record.finishReason}`;
        }
        headersDone();
        open -= 1;
        if (isLive) live -= 1;
        if (record.outcome === 'completed') completed += 1;
        else failed += 1;
        clearTimeout(timer);
        slotFreed();
        resolve();
      };
      const req = request(
        new URL(`/api/v1/conversations/${conversationId}/stream`, job.baseUrl),
        {
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${job.token}`,
            'content-type': 'application/json',
            accept: 'text/event-stream',
          },
        },
        (res) => {
          headersDone();
          if (res.statusCode !== 200) {
            res.resume();
            finish(`status_${res.statusCode}`);
            return;
          }
          isLive = true;
          live += 1;
          peakLive = Math.max(peakLive, live);
          headersReceived += 1;
          if (headersReceived === total) allOpenAt = performance.now();
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const now = performance.now();
            for (const message of reader.push(chunk)) consume(message, record, now);
            if (record.outcome && record.outcome !== 'completed') req.destroy();
          });
          res.on('end', () => finish(record.outcome ?? 'ended_early'));
          res.on('error', () => finish('response_error'));
          res.on('close', () => finish(record.outcome ?? 'closed_early'));
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        finish('timeout');
      }, job.timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => finish(`error_${error.code ?? 'unknown'}`));
      req.end(body);
    });

  // Admission: a stream starts when both an opening slot and an open slot are free.
  const all: Array<Promise<void>> = [];
  for (const id of job.conversationIds) {
    while (opening >= job.openConcurrency || open >= job.maxOpen) {
      await new Promise<void>((resolve) => (wake = resolve));
    }
    all.push(openOne(id));
  }
  const hold = job.cancelAfterOpen
    ? await holdThenCancel(job, job.cancelAfterOpen, {
        allAnswered: () => answered >= total,
        chunks: () => records.reduce((sum, r) => sum + r.chunks, 0),
        live: () => live,
        setPhase: (p) => (phase = p),
      })
    : undefined;
  await Promise.all(all);
  clearInterval(progress);
  onProgress({ open: live, completed, failed });

  const failures: Record<string, number> = {};
  for (const r of records) {
    if (r.outcome !== 'completed')
      failures[r.outcome ?? 'unknown'] = (failures[r.outcome ?? 'unknown'] ?? 0) + 1;
  }
  const rates = records
    .filter((r) => r.chunks >= 2 && r.firstEventAt !== undefined && r.lastChunkAt! > r.firstEventAt)
    .map((r) => ((r.chunks - 1) * 1000) / (r.lastChunkAt! - r.firstEventAt!));
  return {
    started: total,
    completed,
    failed,
    failures,
    peakOpen: peakLive,
    openPhaseMs: allOpenAt ? allOpenAt - started : NaN,
    totalMs: performance.now() - started,
    connected: summarize(
      records.filter((r) => r.connectedAt).map((r) => r.connectedAt! - r.sentAt),
    ),
    firstEvent: summarize(
      records.filter((r) => r.firstEventAt).map((r) => r.firstEventAt! - r.sentAt),
    ),
    chunksPerSecond: summarize(rates),
    serverChunksPerSecond: summarize(
      records.filter((r) => r.serverMs).map((r) => (r.chunks * 1000) / r.serverMs!),
    ),
    chunksPerStream: records.length ? records[0].chunks : 0,
    events: records.reduce((sum, r) => sum + r.events, 0),
    hold,
  };
}

/**
 * Waits until every stream has its answer (or `maxWaitMs`), holds them `holdMs`, then cancels
 * every run. Returns the chunk rate per open stream during the hold and the cancel answers (202,
 * or 409 for a run that had already ended on its own).
 */
async function holdThenCancel(
  job: StreamsJob,
  options: { holdMs: number; maxWaitMs: number },
  state: {
    allAnswered: () => boolean;
    chunks: () => number;
    live: () => number;
    setPhase: (phase: StreamsProgress['phase']) => void;
  },
): Promise<NonNullable<StreamsResult['hold']>> {
  const deadline = performance.now() + options.maxWaitMs;
  while (!state.allAnswered() && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const allAnswered = state.allAnswered();
  state.setPhase('holding');
  const chunksBefore = state.chunks();
  const live = state.live();
  const holdStart = performance.now();
  await new Promise((resolve) => setTimeout(resolve, options.holdMs));
  const holdMs = performance.now() - holdStart;
  const chunksPerSecondPerStream =
    live > 0 ? ((state.chunks() - chunksBefore) * 1000) / holdMs / live : NaN;
  state.setPhase('cancelling');
  const cancelAnswers: Record<string, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < job.conversationIds.length) {
      const id = job.conversationIds[next++];
      const answer = await post(job.baseUrl, `/api/v1/conversations/${id}/cancel`, job.token).then(
        (r) => String(r.status),
        (e: NodeJS.ErrnoException) => `error_${e.code ?? 'unknown'}`,
      );
      cancelAnswers[answer] = (cancelAnswers[answer] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  return { allAnswered, openAtHold: live, holdMs, chunksPerSecondPerStream, cancelAnswers };
}
