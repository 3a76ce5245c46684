import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT,
  composeDurationMs,
  type Data,
  envExampleDefault,
  interpolateDefaults,
  readText,
  readYaml,
} from './deployment-files';

const compose = readYaml('docker-compose.yml');
const services = compose.services as Record<string, Data>;
const app = services.app;
const postgres = services.postgres;
const prometheus = services.prometheus;

/** A service's `environment` as a map, whichever form (map or KEY=value list) it uses. */
function environment(service: Data): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      (env as string[]).map((entry) => {
        const [key, ...rest] = entry.split('=');
        return [key, rest.join('=')];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

describe('docker-compose.yml', () => {
  it('runs the app from this repository: built from the Dockerfile, port 8000 published', () => {
    expect(app.build).toMatchObject({ context: '.' });
    const ports = (app.ports as string[]).map((p) => interpolateDefaults(String(p)));
    expect(ports.some((p) => /(^|:)8000$/.test(p))).toBe(true);
    expect(environment(app)).toMatchObject({ HOST: '0.0.0.0', PORT: '8000' });
    // The image's command (node dist/main.js) is kept: no npm, no shell.
    expect(app.command).toBeUndefined();
    expect(app.entrypoint).toBeUndefined();
    expect(app.init).toBe(true);
  });

  it('runs PostgreSQL 16 or 17 with a named volume and a pg_isready health check', () => {
    expect(postgres.image).toMatch(/^postgres:1[67]([.-]|$)/);
    const volumes = (postgres.volumes as string[]).map(String);
    const named = volumes
      .map((v) => v.split(':')[0])
      .find((source) => /^[a-z][\w-]*$/.test(source));
    expect(named).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(named);
    expect(volumes.some((v) => v.endsWith(':/var/lib/postgresql/data'))).toBe(true);
    expect(JSON.stringify(postgres.healthcheck.test)).toContain('pg_isready');
  });

  it('starts the app once PostgreSQL is healthy, and points DATABASE_URL at it', () => {
    expect(app.depends_on.postgres.condition).toBe('service_healthy');
    const url = new URL(interpolateDefaults(environment(app).DATABASE_URL));
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('postgres');
    const pg = environment(postgres);
    expect(decodeURIComponent(url.username)).toBe(interpolateDefaults(pg.POSTGRES_USER));
    expect(decodeURIComponent(url.password)).toBe(interpolateDefaults(pg.POSTGRES_PASSWORD));
    expect(url.pathname).toBe(`/${interpolateDefaults(pg.POSTGRES_DB)}`);
  });

  it('reads .env (made from .env.example) when it exists, without requiring it', () => {
    expect(app.env_file).toEqual(expect.arrayContaining([{ path: '.env', required: false }]));
    expect(existsSync(join(ROOT, '.env.example'))).toBe(true);
  });

  it('waits longer than SHUTDOWN_GRACE_MS before killing the app', () => {
    const graceMs = Number(envExampleDefault('SHUTDOWN_GRACE_MS'));
    expect(graceMs).toBeGreaterThan(0);
    expect(composeDurationMs(String(app.stop_grace_period))).toBeGreaterThan(graceMs);
  });

  it('keeps secrets out of the file: no API key or JWT secret is set in it', () => {
    const env = environment(app);
    for (const name of ['AUTH_JWT_SECRET', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY']) {
      expect(env[name]).toBeUndefined();
    }
  });

  it('has Prometheus under the monitoring profile, reading deploy/prometheus', () => {
    expect(prometheus.profiles).toEqual(['monitoring']);
    expect(prometheus.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    const mount = (prometheus.volumes as string[]).find((v) => v.startsWith('./deploy/prometheus'));
    expect(mount).toBeDefined();
    const [source, target] = mount!.split(':');
    expect(existsSync(join(ROOT, source))).toBe(true);
    const configFlag = (prometheus.command as string[]).find((c) => c.startsWith('--config.file='));
    const configPath = configFlag!.split('=')[1];
    expect(configPath.startsWith(`${target}/`)).toBe(true);
    expect(existsSync(join(ROOT, source, configPath.slice(target.length + 1)))).toBe(true);
  });

  it('shows an OpenAI-compatible model server, commented in, with LLM_PROVIDER=openai and OPENAI_BASE_URL', () => {
    const text = readText('docker-compose.yml');
    expect(text).toMatch(/^\s*#\s*LLM_PROVIDER: openai$/m);
    expect(text).toMatch(/^\s*#\s*OPENAI_BASE_URL: http:\/\/ollama:11434\/v1$/m);
    expect(text).toMatch(/^\s*#\s*ollama:$/m);
    expect(services.ollama).toBeUndefined();
  });
});

describe('deploy/prometheus', () => {
  const config = readYaml('deploy/prometheus/prometheus.yml');

  it('scrapes the app service on /metrics', () => {
    const job = (config.scrape_configs as Data[]).find((j) => j.job_name === 'agent-server');
    expect(job).toBeDefined();
    expect(job!.metrics_path ?? '/metrics').toBe('/metrics');
    const targets = (job!.static_configs as Array<{ targets: string[] }>).flatMap((s) => s.targets);
    expect(targets).toContain('app:8000');
  });

  it('loads alert rules that exist, each with an expression and a severity', () => {
    const files = config.rule_files as string[];
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const local = join('deploy/prometheus', file.replace(/^\/etc\/prometheus\//, ''));
      const rules = readYaml(local);
      const all = (rules.groups as Array<{ rules: Data[] }>).flatMap((g) => g.rules);
      expect(all.length).toBeGreaterThan(0);
      for (const rule of all) {
        expect(rule.alert).toMatch(/^[A-Z][A-Za-z0-9]+$/);
        expect(typeof rule.expr).toBe('string');
        expect(['critical', 'warning', 'info']).toContain(rule.labels?.severity);
      }
    }
  });
});
