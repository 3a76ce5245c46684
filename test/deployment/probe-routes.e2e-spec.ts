import { execFile } from 'node:child_process';
import { findFreePort } from '../support/free-port';
import { startTestApp, type TestApp } from '../support/test-app';
import { execForm, parseDockerfile, readText, readYaml } from './deployment-files';

/**
 * The paths that the Dockerfile, docker-compose, the Helm chart and Prometheus point at are real
 * routes of the app, answered without a token while auth is on (probes carry none).
 */

/** The `node -e` script of the Dockerfile's HEALTHCHECK. */
function healthcheckScript(): string {
  const runtime = parseDockerfile(readText('Dockerfile')).stages.at(-1)!;
  const check = runtime.instructions.find((i) => i.keyword === 'HEALTHCHECK')!;
  const command = execForm(check.args.replace(/^(--\S+\s+)*CMD\s+/, ''))!;
  return command[2];
}

/** Runs the HEALTHCHECK the way Docker does (inside the container, PORT from its environment). */
function runHealthcheck(port: number): Promise<number> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-e', healthcheckScript()],
      { env: { PATH: process.env.PATH ?? '', PORT: String(port) }, timeout: 15_000 },
      (error) => resolve(error ? Number(error.code ?? 1) : 0),
    );
  });
}

/** Metric names that the alert expressions of deploy/prometheus/alerts.yml read. */
function alertMetricNames(): string[] {
  const rules = readYaml('deploy/prometheus/alerts.yml');
  const exprs = (rules.groups as Array<{ rules: Array<{ expr: string }> }>).flatMap((g) =>
    g.rules.map((r) => r.expr),
  );
  const names = exprs.flatMap((expr) => {
    const bare = expr
      .replace(/\{[^}]*\}/g, '') // label matchers
      .replace(/\b(by|without)\s*\([^)]*\)/g, '') // grouping labels
      .replace(/\[[^\]]*\]/g, '[]'); // ranges
    return [...bare.matchAll(/\b([a-z_:][a-z0-9_:]*)\s*(?=\[\]|\)|$|\s*[=!<>])/g)].map((m) => m[1]);
  });
  const base = names
    .filter((name) => name !== 'up')
    .map((name) => name.replace(/_(bucket|count|sum)$/, ''));
  return [...new Set(base)].sort();
}

describe('Probe and scrape paths are real routes of the app', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp();
    port = Number(new URL(t.baseUrl).port);
  });
  afterAll(() => t.close());

  it('GET /health (liveness, startup probe, HEALTHCHECK) answers 200 without a token', async () => {
    const res = await fetch(`${t.baseUrl}/health`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('ok');
  });

  it('GET /health/ready (readiness probe, helm test) answers 200 or 503, never 404', async () => {
    const res = await fetch(`${t.baseUrl}/health/ready`);
    expect([200, 503]).toContain(res.status);
    const body = (await res.json()) as { status?: string };
    expect(typeof body.status).toBe('string');
    // A freshly migrated database and no shutdown: this instance is ready.
    expect(res.status).toBe(200);
  });

  it('GET /metrics (ServiceMonitor, compose Prometheus) answers Prometheus text without a token', async () => {
    const res = await fetch(`${t.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toMatch(/^# TYPE \w+ (counter|gauge|histogram|summary)$/m);
  });

  it('exports every series the suggested alerts read', async () => {
    const names = alertMetricNames();
    expect(names.length).toBeGreaterThanOrEqual(3);
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    const missing = names.filter((name) => !new RegExp(`^# TYPE ${name} `, 'm').test(text));
    expect(missing).toEqual([]);
  });

  it("the Dockerfile's HEALTHCHECK passes against the app and fails when nothing listens", async () => {
    expect(await runHealthcheck(port)).toBe(0);
    expect(await runHealthcheck(await findFreePort())).not.toBe(0);
  });
});
