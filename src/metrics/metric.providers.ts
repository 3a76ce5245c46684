import type { FactoryProvider } from '@nestjs/common';
import {
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
  type PrometheusOptions,
} from '@willsoto/nestjs-prometheus';
import { appConfig, type AppConfig } from '../config';
import {
  HTTP_BUCKETS_SECONDS,
  LLM_BUCKETS_SECONDS,
  METRIC_NAMES as M,
  RUN_DURATION_BUCKETS_SECONDS,
  RUN_TOKEN_BUCKETS,
  STREAM_DURATION_BUCKETS_SECONDS,
} from './metric-names';

/**
 * Names the library's metric `METRICS_PREFIX` + name (it joins its prefix with `_`), while the
 * injection token stays the bare name, so `@InjectMetric(METRIC_NAMES.x)` is the same everywhere.
 */
function prefixed(provider: FactoryProvider): FactoryProvider {
  const create = provider.useFactory as (options: PrometheusOptions, ...rest: unknown[]) => unknown;
  return {
    ...provider,
    inject: [appConfig.KEY, ...(provider.inject ?? [])],
    useFactory: (config: AppConfig, options: PrometheusOptions | undefined, ...rest: unknown[]) =>
      create(
        { ...options, customMetricPrefix: config.metricsPrefix.replace(/_$/, '') || undefined },
        ...rest,
      ),
  };
}

/**
 * The metrics as Nest providers, injected with `@InjectMetric(name)`. The library creates each in
 * prom-client's global registry or reuses the one already there, so a second app in the same
 * process (e2e suites) shares the series instead of failing on a duplicate registration.
 */
export const METRIC_PROVIDERS: FactoryProvider[] = [
  makeHistogramProvider({
    name: M.httpRequestDuration,
    help: 'HTTP requests by method, route template and status code (streams excluded).',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_BUCKETS_SECONDS,
  }),
  makeGaugeProvider({ name: M.streamsActive, help: 'Event streams open now.' }),
  makeCounterProvider({ name: M.streamsStarted, help: 'Event streams opened.' }),
  makeCounterProvider({
    name: M.streamsCompleted,
    help: 'Event streams ended, by outcome.',
    labelNames: ['outcome'],
  }),
  makeCounterProvider({
    name: M.streamsRejected,
    help: 'Event streams refused (at capacity or draining).',
  }),
  makeHistogramProvider({
    name: M.streamFirstEvent,
    help: 'Time from opening a stream to its first event.',
    buckets: LLM_BUCKETS_SECONDS,
  }),
  makeHistogramProvider({
    name: M.streamDuration,
    help: 'How long event streams stayed open, by outcome.',
    labelNames: ['outcome'],
    buckets: STREAM_DURATION_BUCKETS_SECONDS,
  }),
  makeCounterProvider({
    name: M.streamEvents,
    help: 'Events sent on streams, by type.',
    labelNames: ['type'],
  }),
  makeCounterProvider({ name: M.streamTokens, help: 'Text tokens sent on streams.' }),
  makeHistogramProvider({
    name: M.llmCallDuration,
    help: 'Model calls, by provider and outcome.',
    labelNames: ['provider', 'outcome'],
    buckets: LLM_BUCKETS_SECONDS,
  }),
  makeCounterProvider({
    name: M.llmTokens,
    help: 'Model tokens, by provider and direction (input, output).',
    labelNames: ['provider', 'direction'],
  }),
  makeCounterProvider({
    name: M.llmErrors,
    help: 'Failed model calls, by provider and kind.',
    labelNames: ['provider', 'kind'],
  }),
  makeGaugeProvider({
    name: M.breakerState,
    help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open.',
    labelNames: ['breaker'],
  }),
  makeCounterProvider({
    name: M.breakerCalls,
    help: 'Calls through a circuit breaker, by outcome (success, failure, timeout, rejected, ignored).',
    labelNames: ['breaker', 'outcome'],
  }),
  makeCounterProvider({
    name: M.breakerTransitions,
    help: 'Circuit breaker state changes, including operator resets and isolations.',
    labelNames: ['breaker', 'from', 'to'],
  }),
  makeGaugeProvider({
    name: M.dbPoolConnections,
    help: 'Database pool connections, by state (in_use, idle).',
    labelNames: ['state'],
  }),
  makeGaugeProvider({
    name: M.dbPoolWaiting,
    help: 'Queries waiting for a free database connection.',
  }),
  makeGaugeProvider({ name: M.dbPoolMax, help: 'Most connections the database pool opens.' }),
  makeGaugeProvider({ name: M.runsActive, help: 'Runs executing in this process now.' }),
  makeCounterProvider({
    name: M.runsFinished,
    help:
      'Runs ended, by outcome (completed, cancelled, degraded, failed) and reason (the ' +
      'finish_reason of complete_state, or the error code).',
    labelNames: ['outcome', 'reason'],
  }),
  makeHistogramProvider({
    name: M.runDuration,
    help: 'Runs from the request to their end, by outcome.',
    labelNames: ['outcome'],
    buckets: RUN_DURATION_BUCKETS_SECONDS,
  }),
  makeHistogramProvider({
    name: M.runTokens,
    help: 'Model tokens of one run that ended with an answer, by direction (input, output).',
    labelNames: ['direction'],
    buckets: RUN_TOKEN_BUCKETS,
  }),
  makeCounterProvider({
    name: M.webhookDeliveries,
    help: 'Webhook delivery attempts, by outcome (delivered, retrying, failed: given up).',
    labelNames: ['outcome'],
  }),
  makeCounterProvider({
    name: M.webhookFailures,
    help: 'Failed webhook attempts, by reason (status, network, timeout, refused, circuit_open).',
    labelNames: ['reason'],
  }),
  makeGaugeProvider({
    name: M.webhookQueueDepth,
    help: 'Webhook deliveries waiting for an attempt (all instances), as last counted here.',
  }),
].map((provider) => prefixed(provider as FactoryProvider));
