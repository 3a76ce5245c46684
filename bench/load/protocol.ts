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
  /** Cycled per connection (autocannon's `requests`). */
  requests: RequestSpec[];
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

export type Job = HttpJob | CreateConversationsJob | StreamsJob;

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
