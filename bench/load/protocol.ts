/**
 * Messages between the runner and the load agent (a child process, so the load generator never
 * shares an event loop with the runner's bookkeeping, nor with the server under test).
 */
import type { LatencySummary } from '../lib/stats';

/** One request shape of an HTTP job. */
export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

/** A closed-loop HTTP load run with autocannon: `connections` clients, each one request at a time. */
export interface HttpJob {
  kind: 'http';
  baseUrl: string;
  token?: string;
  connections: number;
  /** Seconds to run; or `amount` requests in all. */
  durationSec?: number;
  amount?: number;
  /** A request unanswered after this many seconds is a timeout (default 10). */
  timeoutSec?: number;
  /** Cycled per connection (autocannon's `requests`). */
  requests: RequestSpec[];
  /**
   * Reads a top-level string field of every 2xx JSON answer: each value is counted, and answers
   * whose value is not `expected` are counted as `mismatched` (e.g. a search's `strategy`), which
   * counts in `errorRate`.
   */
  checkField?: { name: string; expected: string };
  /** Counts the responses slower than this many ms (e.g. a budget the app enforces by default). */
  slowerThanMs?: number;
}

/** What an HTTP job measured. Latencies in ms, client side, every response included. */
export interface HttpResult {
  responses: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSec: number;
  /** 2xx responses per second. */
  rps: number;
  errorRate: number;
  latency: LatencySummary;
  statusCodes: Record<string, number>;
  /** With `checkField`: how often each value was seen, and 2xx answers without the expected one. */
  fieldValues?: Record<string, number>;
  mismatched?: number;
  /** With `slowerThanMs`: responses slower than it. */
  slower?: number;
}

/** Creates conversations (stream scenarios need one per stream: one active run per conversation). */
export interface CreateConversationsJob {
  kind: 'create-conversations';
  baseUrl: string;
  token: string;
  count: number;
  concurrency: number;
}

/** Opens streams (`POST …/conversations/{id}/stream`) and reads each to its end. */
export interface StreamsJob {
  kind: 'streams';
  baseUrl: string;
  token: string;
  conversationIds: string[];
  content: string;
  /** Most streams waiting for their response headers at once (how fast streams are opened). */
  openConcurrency: number;
  /** Most streams open at once: 1 runs them one after another. */
  maxOpen: number;
  /** Give up on a stream after this long without its end. */
  timeoutMs: number;
  /**
   * Once every stream is open (or `maxWaitMs` has passed), keep them open `holdMs` more, then stop
   * each run with `POST …/cancel`: every stream must still end with `complete_state`. Lets a
   * capacity test hold N streams open at once for as long as opening them takes.
   */
  cancelAfterOpen?: { holdMs: number; maxWaitMs: number };
}

/** What a streams job measured. */
export interface StreamsResult {
  started: number;
  /** Ended with `complete_state`, every `seq` from 1 without a gap. */
  completed: number;
  failed: number;
  failures: Record<string, number>;
  /** Most streams open at the same time: headers received, end not yet. */
  peakOpen: number;
  /** From the first request to the moment every stream had its headers. */
  openPhaseMs: number;
  totalMs: number;
  /** Request sent → `: connected` preamble (headers and first bytes). */
  connected: LatencySummary;
  /** Request sent → first `id:/event:/data:` message. */
  firstEvent: LatencySummary;
  /**
   * Chunks per second within a stream as delivered, first chunk to last (streams with two or more
   * chunks). Chunks written in one burst arrive in one read, so this can read very high.
   */
  chunksPerSecond: LatencySummary;
  /** Chunks per second of the server's whole run: chunks / `complete_state.duration_ms`. */
  serverChunksPerSecond: LatencySummary;
  chunksPerStream: number;
  events: number;
  /** With `cancelAfterOpen`: the hold, and the chunk rate per open stream during it. */
  hold?: {
    /** Every stream had its answer (headers, or a refusal) when the hold began. */
    allAnswered: boolean;
    /** Streams open when the hold began: what the memory read during the hold is divided by. */
    openAtHold: number;
    holdMs: number;
    chunksPerSecondPerStream: number;
    cancelAnswers: Record<string, number>;
  };
}

/**
 * Uploads documents `first … first + count - 1` of the synthetic corpus (bench/lib/knowledge.ts) with
 * `POST /api/v1/knowledge/documents`, `concurrency` uploads at a time. The agent makes each
 * document itself from its index, so no text crosses the IPC channel.
 */
export interface IngestJob {
  kind: 'ingest';
  baseUrl: string;
  /** An admin's token: uploads are admin only. */
  token: string;
  first: number;
  count: number;
  paragraphs: number;
  concurrency: number;
}

/** What an ingest job measured. */
export interface IngestResult {
  documents: number;
  /** Sum of the answers' `chunk_count`. */
  chunks: number;
  /** Content characters uploaded. */
  characters: number;
  failed: number;
  statusCodes: Record<string, number>;
  /** A failed upload's status and body, for the report. */
  firstFailure?: string;
  /** First request sent to last answer received. */
  durationSec: number;
  /** Per upload, request sent to answer received. */
  latency: LatencySummary;
}

export type Job = HttpJob | CreateConversationsJob | StreamsJob | IngestJob;

/** Runner → agent. */
export interface JobRequest {
  id: number;
  job: Job;
}

/** Agent → runner: progress of a streams job, every 200 ms. */
export interface StreamsProgress {
  open: number;
  completed: number;
  failed: number;
  /** With `cancelAfterOpen`: `holding` while all are open, `cancelling` after. */
  phase?: 'opening' | 'holding' | 'cancelling';
}

/** Agent → runner. */
export type AgentMessage =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  | { id: number; progress: StreamsProgress };
