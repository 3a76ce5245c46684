import autocannon from 'autocannon';
import { round, summarize } from '../lib/stats';
import type { HttpJob, HttpResult } from './protocol';

/**
 * Runs one closed-loop load with autocannon. Latencies are taken from its `response` events (float
 * ms from `process.hrtime`) rather than its histogram, which stores whole milliseconds; throughput
 * is over the time to the last response, since autocannon only notices the end of a run on its
 * next sampling tick.
 */
export async function runHttpJob(job: HttpJob): Promise<HttpResult> {
  const latencies: number[] = [];
  const check = job.checkField;
  const fieldValues: Record<string, number> = {};
  let mismatched = 0;
  const onResponse = check
    ? (status: number, body: string) => {
        if (status < 200 || status >= 300) return;
        let value: unknown;
        try {
          value = (JSON.parse(body) as Record<string, unknown>)[check.name];
        } catch {
          value = undefined;
        }
        const key = typeof value === 'string' ? value : `(${typeof value})`;
        fieldValues[key] = (fieldValues[key] ?? 0) + 1;
        if (value !== check.expected) mismatched += 1;
      }
    : undefined;
  let slower = 0;
  const started = performance.now();
  let lastResponseAt = started;
  const instance = autocannon({
    url: job.baseUrl,
    connections: job.connections,
    ...(job.amount ? { amount: job.amount } : { duration: job.durationSec ?? 1 }),
    timeout: job.timeoutSec ?? 10,
    // Checked for the end of the run on every tick: 100 ms, not the default 1 s, keeps short runs
    // from idling up to a second each.
    sampleInt: 100,
    headers: job.token ? { authorization: `Bearer ${job.token}` } : {},
    requests: job.requests.map((r) => ({
      method: r.method,
      path: r.path,
      ...(onResponse ? { onResponse } : {}),
      ...(r.body === undefined
        ? {}
        : { body: JSON.stringify(r.body), headers: { 'content-type': 'application/json' } }),
    })),
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    latencies.push(ms);
    if (job.slowerThanMs !== undefined && ms > job.slowerThanMs) slower += 1;
    lastResponseAt = performance.now();
  });
  const result = await instance;
  const durationSec = (lastResponseAt - started) / 1000;
  const ok = result['2xx'];
  const responses = latencies.length;
  // An answer without the expected field value is a wrong answer: an error like a 5xx.
  const failures = result.non2xx + result.errors + result.timeouts + mismatched;
  return {
    responses,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSec: round(durationSec, 3),
    rps: round(ok / durationSec, 1),
    errorRate: responses + result.errors > 0 ? failures / (responses + result.errors) : 0,
    latency: summarize(latencies),
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
    ),
    ...(check ? { fieldValues, mismatched } : {}),
    ...(job.slowerThanMs !== undefined ? { slower } : {}),
  };
}
