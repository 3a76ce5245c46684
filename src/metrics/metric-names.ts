/**
 * Every series this service exports, named after Prometheus conventions: base units (seconds,
 * bytes), `_total` on counters, labels of bounded cardinality only (route templates, never URLs).
 * At `/metrics` each name, the process and Node.js ones included, carries `METRICS_PREFIX`
 * (`agent_server_` by default), so that one Prometheus can scrape this and other services.
 */
export const METRIC_NAMES = {
  httpRequestDuration: 'http_request_duration_seconds',
  streamsActive: 'streams_active',
  streamsStarted: 'streams_started_total',
  streamsCompleted: 'streams_completed_total',
  streamsRejected: 'streams_rejected_total',
  streamFirstEvent: 'stream_first_event_seconds',
  streamDuration: 'stream_duration_seconds',
  streamEvents: 'stream_events_total',
  streamTokens: 'stream_tokens_total',
  llmCallDuration: 'llm_call_duration_seconds',
  llmTokens: 'llm_tokens_total',
  llmErrors: 'llm_errors_total',
  breakerState: 'circuit_breaker_state',
  breakerCalls: 'circuit_breaker_calls_total',
  breakerTransitions: 'circuit_breaker_transitions_total',
  dbPoolConnections: 'db_pool_connections',
  dbPoolWaiting: 'db_pool_waiting_clients',
  dbPoolMax: 'db_pool_max_connections',
  runsActive: 'runs_active',
  runsFinished: 'runs_finished_total',
  runDuration: 'run_duration_seconds',
  runTokens: 'run_tokens',
  webhookDeliveries: 'webhook_deliveries_total',
  webhookFailures: 'webhook_delivery_failures_total',
  webhookQueueDepth: 'webhook_queue_depth',
} as const;

/** Request latencies: 5 ms to 10 s (streams are not recorded here). */
export const HTTP_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Model calls and time to a stream's first event: well past 10 s, up to 2 minutes. */
export const LLM_BUCKETS_SECONDS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120];
/** Whole streams: seconds to half an hour. */
export const STREAM_DURATION_BUCKETS_SECONDS = [
  0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800,
];
/** Whole runs: a tenth of a second (the cache, the local model) to half an hour. */
export const RUN_DURATION_BUCKETS_SECONDS = [
  0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800,
];
/** Tokens in one run, input or output: a short answer to a long history with tools. */
export const RUN_TOKEN_BUCKETS = [
  10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
];
