import { collectDefaultMetrics, register, type Registry } from 'prom-client';

// Registered by collectDefaultMetrics() on every platform; its presence means they are there.
const MARKER_METRIC = 'process_cpu_user_seconds_total';

/**
 * Gauges prom-client names `…_total`, a suffix reserved for counters (`promtool check metrics`
 * fails on them). Each has a twin without the suffix, by type (`nodejs_active_handles{type}`),
 * whose sum is the same figure: these are dropped.
 */
const GAUGES_NAMED_LIKE_COUNTERS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * Registers prom-client's process and Node.js metrics, named with `prefix`, unless they already
 * are. A second `collectDefaultMetrics()` on the same registry throws (duplicate names), which is
 * what happens when an e2e suite boots several apps in one process; after `registry.clear()` they
 * come back.
 *
 * @returns true when they were registered by this call
 */
export function registerDefaultMetricsOnce(prefix = '', registry: Registry = register): boolean {
  if (registry.getSingleMetric(`${prefix}${MARKER_METRIC}`)) return false;
  collectDefaultMetrics({ register: registry, prefix });
  for (const name of GAUGES_NAMED_LIKE_COUNTERS) registry.removeSingleMetric(`${prefix}${name}`);
  return true;
}
