// The metrics module's public API; import from 'src/metrics' rather than its files.
export {
  excludeFromHttpMetrics,
  UNMATCHED_ROUTE,
  type CompletedRequest,
} from './completed-request';
export { HttpRequestObservers, type CompletedRequestObserver } from './http-request-observers';
export { LlmMetrics, type LlmCallOutcome, type TokenDirection } from './llm-metrics.service';
export { METRIC_NAMES } from './metric-names';
export { MetricsModule } from './metrics.module';
export { RunMetrics, type RunObservation } from './run-metrics.service';
export { StreamMetrics, type StreamObservation } from './stream-metrics.service';
export {
  WebhookMetrics,
  type WebhookDeliveryOutcome,
  type WebhookFailureReason,
} from './webhook-metrics.service';
