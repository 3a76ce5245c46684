import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { ENV_SCHEMAS } from '../../src/config/env.schema';
import {
  CHART_DIR,
  SECRET_VARIABLES,
  chartTemplate,
  envExampleNames,
  hasPath,
  numericValue,
  parseDockerfile,
  readJson,
  readText,
  readYaml,
  templateBlock,
  valuesPathsInTemplates,
} from './deployment-files';

const chart = readYaml('helm/agent-server/Chart.yaml');
const values = readYaml('helm/agent-server/values.yaml');
const schema = readJson('helm/agent-server/values.schema.json');
const allTemplates = readdirSync(join(CHART_DIR, 'templates'), {
  withFileTypes: true,
  recursive: true,
})
  .filter((entry) => entry.isFile())
  .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'));
const deployment = chartTemplate('deployment.yaml');

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(schema);

function deepMerge(base: unknown, override: unknown): unknown {
  if (
    base &&
    override &&
    typeof base === 'object' &&
    typeof override === 'object' &&
    !Array.isArray(base) &&
    !Array.isArray(override)
  ) {
    const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [key, value] of Object.entries(override)) {
      merged[key] = deepMerge(merged[key], value);
    }
    return merged;
  }
  return override === undefined ? base : override;
}

/** Whether the default values with `override` merged in (as `helm --set`/`-f` would) validate. */
function valid(override: Record<string, unknown>): boolean {
  return validate(deepMerge(structuredClone(values), override));
}

/** Every variable the service reads (env.schema.ts), with the four breakers spelled out. */
const serviceVariables = ENV_SCHEMAS.flatMap((s) => Object.keys(s.shape));

describe('Chart.yaml', () => {
  it('is a v2 application chart named agent-server whose appVersion is the package version', () => {
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'agent-server', type: 'application' });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
    expect(String(chart.appVersion)).toBe(readJson('package.json').version);
    expect(chart.kubeVersion).toMatch(/^>=1\.\d+/);
  });
});

describe('values.schema.json', () => {
  it('is JSON Schema draft-07 and compiles in strict mode', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(typeof validate).toBe('function');
  });

  it('accepts values.yaml, and values.yaml merged with ci/test-values.yaml', () => {
    expect(validate(values) ? [] : validate.errors).toEqual([]);
    const ci = readYaml('helm/agent-server/ci/test-values.yaml');
    expect(valid(ci) ? [] : validate.errors).toEqual([]);
  });

  it('covers every top-level value (no undeclared keys)', () => {
    expect(schema.additionalProperties).toBe(false);
    const declared = Object.keys(schema.properties);
    expect(Object.keys(values).filter((key) => !declared.includes(key))).toEqual([]);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a misspelt config variable', { config: { DB_POOLSIZE: '5' } }],
    ['a secret under config', { config: { AUTH_JWT_SECRET: 'x'.repeat(40) } }],
    ['DATABASE_URL under config', { config: { DATABASE_URL: 'postgres://a@b/c' } }],
    ['a non-numeric port', { config: { PORT: 'eighty' } }],
    ['an unknown LLM provider', { config: { LLM_PROVIDER: 'gpt' } }],
    ['a non-boolean DB_MIGRATIONS_RUN', { config: { DB_MIGRATIONS_RUN: 'sometimes' } }],
    ['a short JWT secret', { secrets: { values: { AUTH_JWT_SECRET: 'short' } } }],
    ['a database URL that is not PostgreSQL', { database: { url: 'mysql://a@b/c' } }],
    ['an unknown preStop action', { shutdown: { preStopAction: 'wait' } }],
    ['a negative preStop sleep', { shutdown: { preStopSleepSeconds: -1 } }],
    ['a string replica count', { replicaCount: 'two' }],
    ['an unknown top-level key', { replicas: 3 }],
    [
      'an unknown ingress path type',
      { ingress: { hosts: [{ host: 'a', paths: [{ path: '/', pathType: 'Any' }] }] } },
    ],
  ])('rejects %s', (_, override) => {
    expect(valid(override)).toBe(false);
  });

  it.each<[string, Record<string, unknown>]>([
    ['numbers for numeric variables', { config: { DB_POOL_SIZE: 20, SHUTDOWN_GRACE_MS: 60000 } }],
    ['a breaker other than LLM', { config: { CB_TOOLS_CALL_TIMEOUT_MS: '5000' } }],
    ['a JWKS URL', { config: { AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json' } }],
    ['an explicit grace period', { shutdown: { terminationGracePeriodSeconds: 60 } }],
    ['a percentage PDB', { podDisruptionBudget: { maxUnavailable: null, minAvailable: '50%' } }],
  ])('accepts %s', (_, override) => {
    expect(valid(override) ? [] : validate.errors).toEqual([]);
  });

  it('accepts every non-secret variable the service reads under config, and no secret', () => {
    const secrets: readonly string[] = SECRET_VARIABLES;
    const rejected = serviceVariables
      .filter((name) => !secrets.includes(name))
      .filter((name) => !valid({ config: { [name]: '' } }));
    expect(rejected).toEqual([]);
    for (const name of SECRET_VARIABLES) expect(valid({ config: { [name]: 'x' } })).toBe(false);
  });
});

describe('values.yaml', () => {
  const config = values.config as Record<string, unknown>;

  it('lists every variable of .env.example: under config, or secrets, or database.url', () => {
    const secretKeys = Object.keys(values.secrets.values as Record<string, unknown>);
    const missing = envExampleNames().filter(
      (name) =>
        !(name in config) &&
        !secretKeys.includes(name) &&
        !(name === 'DATABASE_URL' && hasPath(values, 'database.url')),
    );
    expect(missing).toEqual([]);
  });

  it('has no config variable the service does not read (except UV_THREADPOOL_SIZE for Node)', () => {
    const known = new Set([...serviceVariables, 'UV_THREADPOOL_SIZE']);
    expect(Object.keys(config).filter((name) => !known.has(name))).toEqual([]);
  });

  it('keeps secrets empty by default and out of the ConfigMap', () => {
    for (const value of Object.values(values.secrets.values as Record<string, unknown>)) {
      expect(value).toBe('');
    }
    expect(values.database.url).toBe('');
    for (const name of SECRET_VARIABLES) expect(name in config).toBe(false);
  });

  it('runs production, listening on 0.0.0.0:8000, logging JSON', () => {
    expect(config).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0', LOG_FORMAT: 'json' });
    expect(numericValue(config.PORT)).toBe(8000);
  });

  it('gives a grace period greater than the preStop sleep plus SHUTDOWN_GRACE_MS', () => {
    // The rule of _helpers.tpl ("agent-server.terminationGracePeriodSeconds"), on the defaults.
    const preStop = numericValue(values.shutdown.preStopSleepSeconds)!;
    const graceSeconds = Math.ceil((numericValue(config.SHUTDOWN_GRACE_MS) ?? 25000) / 1000);
    const set = values.shutdown.terminationGracePeriodSeconds as number | null;
    const effective = set ?? preStop + graceSeconds + numericValue(values.shutdown.extraSeconds)!;
    expect(preStop).toBeGreaterThan(0);
    expect(effective).toBeGreaterThan(preStop + graceSeconds);
  });

  it('runs the pods as the image user, non-root, with a read-only root filesystem', () => {
    const runtime = parseDockerfile(readText('Dockerfile')).stages.at(-1)!;
    const user = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1)!.args;
    const [uid] = user.split(':').map(Number);
    expect(values.podSecurityContext).toMatchObject({ runAsNonRoot: true, runAsUser: uid });
    expect(values.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: uid,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('sets the SSE proxy timeouts to an hour or more', () => {
    expect(values.ingress.sse.enabled).toBe(true);
    expect(values.ingress.sse.proxyTimeoutSeconds).toBeGreaterThanOrEqual(3600);
  });
});

describe('templates', () => {
  it('has every resource the chart promises', () => {
    for (const name of [
      '_helpers.tpl',
      'NOTES.txt',
      'deployment.yaml',
      'service.yaml',
      'ingress.yaml',
      'hpa.yaml',
      'pdb.yaml',
      'configmap.yaml',
      'secret.yaml',
      'migration-job.yaml',
      'servicemonitor.yaml',
      'serviceaccount.yaml',
    ]) {
      expect({ name, exists: existsSync(join(CHART_DIR, 'templates', name)) }).toEqual({
        name,
        exists: true,
      });
    }
  });

  it('reads only values that values.yaml declares', () => {
    const missing = valuesPathsInTemplates(allTemplates).filter((path) => !hasPath(values, path));
    expect(missing).toEqual([]);
  });

  it('uses every top-level value of values.yaml', () => {
    const used = new Set(valuesPathsInTemplates(allTemplates).map((p) => p.split('.')[0]));
    expect(Object.keys(values).filter((key) => !used.has(key))).toEqual([]);
  });

  it('probes /health for startup and liveness and /health/ready for readiness, on the http port', () => {
    for (const [probe, path] of [
      ['startupProbe', '/health'],
      ['livenessProbe', '/health'],
      ['readinessProbe', '/health/ready'],
    ] as const) {
      const block = templateBlock(deployment, probe);
      expect({ probe, path: /path: (\S+)/.exec(block)?.[1] }).toEqual({ probe, path });
      expect(block).toMatch(/port: http\b/);
    }
    const ports = templateBlock(deployment, 'ports');
    expect(ports).toMatch(/- name: http\b/);
    expect(ports).toMatch(/containerPort: \{\{ include "agent-server.port" \. \}\}/);
  });

  it('sleeps in preStop, and derives terminationGracePeriodSeconds with a check that fails when too small', () => {
    const preStop = templateBlock(deployment, 'preStop');
    expect(preStop).toMatch(
      /command: \["\/bin\/sleep", "\{\{ int \.Values\.shutdown\.preStopSleepSeconds \}\}"\]/,
    );
    expect(preStop).toMatch(/sleep:\s+seconds:/);
    expect(deployment).toMatch(
      /terminationGracePeriodSeconds: \{\{ include "agent-server\.terminationGracePeriodSeconds" \. \}\}/,
    );
    const helpers = chartTemplate('_helpers.tpl');
    const rule =
      /define "agent-server\.terminationGracePeriodSeconds"[\s\S]*?\{\{- end \}\}\n\{\{- end \}\}/.exec(
        helpers,
      )?.[0];
    expect(rule).toBeDefined();
    expect(rule).toMatch(/\$minimum := add \$preStop \$grace/);
    expect(rule).toMatch(/else if le \(int64 \$set\) \$minimum/);
    expect(rule).toMatch(/fail \(printf/);
    expect(helpers).toMatch(/div \(add \$ms 999\) 1000/);
  });

  it('mounts a writable /tmp emptyDir (the root filesystem is read-only)', () => {
    expect(templateBlock(deployment, 'volumeMounts')).toMatch(/name: tmp\s+mountPath: \/tmp/);
    expect(templateBlock(deployment, 'volumes')).toMatch(/name: tmp\s+emptyDir:/);
  });

  it('takes configuration from the ConfigMap and secrets from a Secret, and skips migrations in pods', () => {
    expect(templateBlock(deployment, 'envFrom')).toMatch(/configMapRef:/);
    expect(chartTemplate('_helpers.tpl')).toMatch(/- secretRef:/);
    expect(deployment).toMatch(
      /if \.Values\.migrations\.enabled \}\}[\s\S]*?- name: DB_MIGRATIONS_RUN\s+value: "false"/,
    );
    expect(chartTemplate('configmap.yaml')).toMatch(/include "agent-server\.configData"/);
    expect(chartTemplate('secret.yaml')).toMatch(/kind: Secret/);
    expect(deployment).toMatch(/checksum\/config:/);
  });

  it('runs the migrations in a pre-install,pre-upgrade hook Job with a delete policy', () => {
    const job = chartTemplate('migration-job.yaml');
    expect(job).toMatch(/kind: Job/);
    expect(job).toMatch(/"helm\.sh\/hook": pre-install,pre-upgrade/);
    expect(job).toMatch(
      /"helm\.sh\/hook-delete-policy": \{\{ \.Values\.migrations\.hookDeletePolicy \}\}/,
    );
    expect(values.migrations.hookDeletePolicy).toMatch(/before-hook-creation/);
    expect(job).toMatch(/command: \["node", "dist\/database\/cli\.js", "run"\]/);
    expect(job).toMatch(/restartPolicy: Never/);
    // The Job's pods must not match the Service and PodDisruptionBudget selector.
    expect(templateBlock(job, 'labels')).not.toMatch(/selectorLabels/);
  });

  it('annotates the Ingress for unbuffered, long-lived streams behind NGINX', () => {
    const ingress = chartTemplate('ingress.yaml');
    expect(ingress).toMatch(/"nginx\.ingress\.kubernetes\.io\/proxy-buffering" "off"/);
    expect(ingress).toMatch(/"nginx\.ingress\.kubernetes\.io\/proxy-read-timeout" \$timeout/);
    expect(ingress).toMatch(/"nginx\.ingress\.kubernetes\.io\/proxy-send-timeout" \$timeout/);
    expect(ingress).toMatch(
      /\$timeout := printf "%d" \(int64 \.Values\.ingress\.sse\.proxyTimeoutSeconds\)/,
    );
    expect(ingress).toMatch(/apiVersion: networking\.k8s\.io\/v1/);
  });

  it('uses current API versions for the HPA, the PDB and the ServiceMonitor', () => {
    expect(chartTemplate('hpa.yaml')).toMatch(/apiVersion: autoscaling\/v2\n/);
    expect(chartTemplate('pdb.yaml')).toMatch(/apiVersion: policy\/v1\n/);
    const monitor = chartTemplate('servicemonitor.yaml');
    expect(monitor).toMatch(/apiVersion: monitoring\.coreos\.com\/v1\n/);
    expect(monitor).toMatch(/path: \/metrics/);
    expect(monitor).toMatch(/if \.Values\.metrics\.serviceMonitor\.enabled/);
  });

  it('turns HSTS on behind the TLS ingress unless config.HTTP_HSTS says otherwise', () => {
    const helpers = chartTemplate('_helpers.tpl');
    expect(helpers).toMatch(
      /if and \.Values\.ingress\.enabled \.Values\.ingress\.tls \(or \(kindIs "invalid" \$hsts\) \(eq \(toString \$hsts\) ""\)\) \}\}\nHTTP_HSTS: "true"/,
    );
    expect(values.config.HTTP_HSTS).toBe('');
  });

  it('renders every alert of deploy/prometheus/alerts.yml in the PrometheusRule', () => {
    const compose = readYaml('deploy/prometheus/alerts.yml');
    const names = (compose.groups as Array<{ rules: Array<{ alert: string }> }>).flatMap((g) =>
      g.rules.map((r) => r.alert),
    );
    const rule = chartTemplate('prometheusrule.yaml');
    expect(names.filter((name) => !rule.includes(`- alert: ${name}\n`))).toEqual([]);
    expect(rule).toMatch(/- alert: AgentServerReadinessFlapping\n/);
  });
});
