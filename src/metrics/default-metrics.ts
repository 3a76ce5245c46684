import { collectDefaultMetrics, register, type Registry } from 'prom-client';

// Registered by collectDefaultMetrics() on every platform; its presence means they are there.
const MARKER_METRIC = 'process_cpu_user_seconds_total';

/**
 * Registers prom-client's process and Node.js metrics unless they already are. A second
 * `collectDefaultMetrics()` on the same registry throws (duplicate names), which is what happens
 * when an e2e suite boots several apps in one process; after `registry.clear()` they come back.
 *
 * @returns true when they were registered by this call
 */
export function registerDefaultMetricsOnce(registry: Registry = register): boolean {
  if (registry.getSingleMetric(MARKER_METRIC)) return false;
  collectDefaultMetrics({ register: registry });
  return true;
}
