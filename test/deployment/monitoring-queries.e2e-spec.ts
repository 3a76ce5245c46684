import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { promtoolCheckMetrics } from '../support/promtool';
import { openStream } from '../support/stream-client';
import { startTestApp, tokenFor, type TestApp } from '../support/test-app';
import {
  CHART_DIR,
  ROOT,
  chartTemplate,
  readJson,
  readText,
  readYaml,
  type Data,
} from './deployment-files';

/**
 * The Grafana dashboard and the Prometheus alerts query the app's metrics by name: a renamed or
 * removed metric would leave a panel empty or an alert silent, with nothing failing. Every name
 * they query is checked against what a real `/metrics` exposes after runs.
 */

const DASHBOARD = 'deploy/grafana/dashboards/agent-server.json';
const PREFIX = 'agent_server_';

/** Every panel of a dashboard, those inside collapsed rows too. */
function panelsOf(dashboard: Data): Data[] {
  return (dashboard.panels as Data[]).flatMap((panel) => [
    panel,
    ...((panel.panels as Data[]) ?? []),
  ]);
}

/** The PromQL of every panel target and template variable of the dashboard. */
function dashboardQueries(dashboard: Data): string[] {
  const targets = panelsOf(dashboard).flatMap((panel) =>
    ((panel.targets as Data[]) ?? []).map((target) => String(target.expr)),
  );
  const variables = (dashboard.templating.list as Data[])
    .filter((variable) => variable.type === 'query')
    .map((variable) => String(variable.query?.query ?? variable.query));
  return [...targets, ...variables];
}

/** The alert expressions of deploy/prometheus/alerts.yml. */
function composeAlertQueries(): string[] {
  const rules = readYaml('deploy/prometheus/alerts.yml');
  return (rules.groups as Array<{ rules: Data[] }>).flatMap((g) =>
    g.rules.map((r) => String(r.expr)),
  );
}

/** The chart's PrometheusRule expressions, with the default prefix where the template puts it. */
function chartAlertQueries(): string[] {
  return [...chartTemplate('prometheusrule.yaml').matchAll(/^\s*expr: (.+)$/gm)].map((m) =>
    m[1].replaceAll('{{ $p }}', PREFIX),
  );
}

/** The app's metric names a query uses (every one carries the prefix; `up` and others do not). */
function appMetricNames(query: string): string[] {
  return [...query.matchAll(new RegExp(`\\b${PREFIX}[a-zA-Z0-9_:]+`, 'g'))].map((m) => m[0]);
}

/**
 * Every name a query may use against this exposition: each declared family, with `_bucket`,
 * `_sum` and `_count` for histograms (and summaries), whether or not a series was observed yet.
 */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  for (const [, name] of text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm)) names.add(name);
  return names;
}

describe('the Grafana dashboard', () => {
  const dashboard = readJson(DASHBOARD);

  it('is the same file in deploy/ and in the Helm chart', () => {
    expect(readText('helm/agent-server/dashboards/agent-server.json')).toBe(readText(DASHBOARD));
  });

  it('has a stable uid, a Prometheus data source variable, and every panel queries something', () => {
    expect(dashboard.uid).toBe('agent-server');
    const variables = dashboard.templating.list as Data[];
    expect(variables.find((v) => v.name === 'datasource')).toMatchObject({
      type: 'datasource',
      query: 'prometheus',
    });
    const panels = panelsOf(dashboard).filter((panel) => panel.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(12);
    for (const panel of panels) {
      expect({ title: panel.title, targets: (panel.targets as Data[]).length }).toEqual({
        title: panel.title,
        targets: expect.any(Number),
      });
      expect((panel.targets as Data[]).length).toBeGreaterThan(0);
      expect(panel.datasource.uid).toBe('${datasource}');
    }
  });

  it('covers requests, streams, runs, first events, tokens, breakers, the pool, the event loop and memory', () => {
    const queried = new Set(dashboardQueries(dashboard).flatMap(appMetricNames));
    const expected = [
      'http_request_duration_seconds_count',
      'http_request_duration_seconds_bucket',
      'streams_active',
      'runs_active',
      'runs_finished_total',
      'stream_first_event_seconds_bucket',
      'stream_tokens_total',
      'llm_tokens_total',
      'circuit_breaker_state',
      'db_pool_connections',
      'db_pool_waiting_clients',
      'nodejs_eventloop_lag_p99_seconds',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
    ].map((name) => PREFIX + name);
    expect(expected.filter((name) => !queried.has(name))).toEqual([]);
  });
});

describe('the alert rules', () => {
  it('pass promtool check rules', () => {
    const result = spawnSync('promtool', ['check', 'rules', 'deploy/prometheus/alerts.yml'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (result.error) throw new Error(`promtool is not available: ${result.error.message}`);
    expect(`${result.stdout}${result.stderr}`).toMatch(/SUCCESS/);
    expect(result.status).toBe(0);
  });
});

describe('every metric the dashboard and the alerts query exists in /metrics (e2e)', () => {
  let t: TestApp;
  let exposition: string;

  beforeAll(async () => {
    t = await startTestApp();
    const token = await tokenFor('dashboards');
    const conversation = await request(t.server)
      .post('/api/v1/conversations')
      .set('Authorization', `Bearer ${token}`)
      .send({})
      .expect(201);
    // A streamed run and a whole one: streams, runs, model calls and tokens all have series.
    const streamed = await openStream(t.baseUrl, {
      path: `/api/v1/conversations/${conversation.body.id}/stream`,
      token,
      body: { content: 'what is 6 * 7?' },
    });
    expect(streamed.events.at(-1)?.type).toBe('complete_state');
    await request(t.server)
      .post(`/api/v1/conversations/${conversation.body.id}/messages`)
      .set('Authorization', `Bearer ${token}`)
      .send({ content: 'and once more' })
      .expect(201);
    exposition = (await request(t.server).get('/metrics').expect(200)).text;
  });
  afterAll(() => t.close());

  it.each([
    ['the dashboard', () => dashboardQueries(readJson(DASHBOARD))],
    ['deploy/prometheus/alerts.yml', composeAlertQueries],
    ["the chart's PrometheusRule", chartAlertQueries],
  ])('%s', (_, queries) => {
    const names = [...new Set(queries().flatMap(appMetricNames))];
    expect(names.length).toBeGreaterThan(3);
    const exposed = exposedNames(exposition);
    expect(names.filter((name) => !exposed.has(name))).toEqual([]);
  });

  it('the exposition after runs passes promtool check metrics', () => {
    expect(promtoolCheckMetrics(exposition)).toEqual({ ok: true, output: '' });
  });
});

describe('Grafana in docker compose and in the chart', () => {
  it('runs Grafana under the monitoring profile with the data source and the dashboard provisioned', () => {
    const grafana = readYaml('docker-compose.yml').services.grafana as Data;
    expect(grafana.profiles).toEqual(['monitoring']);
    expect(grafana.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    const mounts = grafana.volumes as string[];
    expect(mounts).toContain('./deploy/grafana/provisioning:/etc/grafana/provisioning:ro');
    const dashboards = mounts.find((m) => m.startsWith('./deploy/grafana/dashboards:'));
    expect(dashboards).toBeDefined();
    const provider = readYaml('deploy/grafana/provisioning/dashboards/agent-server.yml');
    expect(dashboards!.split(':')[1]).toBe(provider.providers[0].options.path);
    const datasource = readYaml('deploy/grafana/provisioning/datasources/prometheus.yml');
    expect(datasource.datasources[0]).toMatchObject({
      type: 'prometheus',
      url: 'http://prometheus:9090',
    });
  });

  it('ships the dashboard as a ConfigMap for the Grafana sidecar when metrics.grafanaDashboard.enabled', () => {
    const template = chartTemplate('grafana-dashboard.yaml');
    expect(template).toMatch(/^\{\{- if \.Values\.metrics\.grafanaDashboard\.enabled \}\}/);
    expect(template).toMatch(/\.Files\.Get "dashboards\/agent-server\.json"/);
    expect(template).toMatch(
      /replace "agent_server_" \(include "agent-server\.metricsPrefix" \.\)/,
    );
    expect(existsSync(join(CHART_DIR, 'dashboards', 'agent-server.json'))).toBe(true);
    const values = readYaml('helm/agent-server/values.yaml');
    expect(values.metrics.grafanaDashboard).toMatchObject({
      enabled: false,
      labels: { grafana_dashboard: '1' },
    });
  });
});
