import { appConfig } from './app.config';
import { authConfig } from './auth.config';
import { resilienceConfig } from './resilience.config';
import { ConfigValidationError, validateEnvironment } from './validate-environment';

function problemsOf(env: Record<string, string>): string[] {
  try {
    validateEnvironment(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe('validateEnvironment', () => {
  it('accepts an empty environment (every variable has a default)', () => {
    expect(problemsOf({})).toEqual([]);
  });

  it.each([
    ['PORT', 'eighty', 'PORT: must be an integer between 1 and 65535, got "eighty"'],
    ['PORT', '70000', 'PORT: must be an integer'],
    ['LLM_PROVIDER', 'gpt', 'LLM_PROVIDER: must be one of local, openai, anthropic, ollama'],
    ['DB_MIGRATIONS_RUN', 'maybe', 'DB_MIGRATIONS_RUN: must be true or false'],
    ['DATABASE_URL', 'mysql://x', 'DATABASE_URL: must use postgres: or postgresql:'],
    ['DATABASE_URL', 'not a url', 'DATABASE_URL: must be a URL'],
    ['AUTH_JWT_SECRET', 'short', 'AUTH_JWT_SECRET: must be at least 32 characters'],
    ['CB_LLM_FAILURE_THRESHOLD', '0', 'CB_LLM_FAILURE_THRESHOLD: must be an integer between 1'],
    ['STREAM_ON_DISCONNECT', 'drop', 'STREAM_ON_DISCONNECT: must be one of continue, cancel'],
    ['MAX_BODY_BYTES', '12.5', 'MAX_BODY_BYTES: must be an integer'],
  ])('names %s when it is %j', (name, value, message) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf({ PORT: 'x', LOG_LEVEL: 'loud', STREAM_HEARTBEAT_MS: '-1' });
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'PORT',
      'LOG_LEVEL',
      'STREAM_HEARTBEAT_MS',
    ]);
  });

  it('refuses production without auth, and both auth methods at once', () => {
    expect(problemsOf({ NODE_ENV: 'production' })[0]).toMatch(/auth must be configured/);
    expect(
      problemsOf({ AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_JWKS_URL: 'https://idp.test/jwks' })[0],
    ).toMatch(/not both/);
    expect(problemsOf({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x'.repeat(32) })).toEqual([]);
  });
});

describe('config namespaces', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('types and defaults the app namespace', () => {
    process.env = { CORS_ORIGINS: 'https://a.test, https://b.test', RATE_LIMIT_MAX: '0' };
    const config = appConfig();
    expect(config).toMatchObject({
      port: 8000,
      host: '0.0.0.0',
      maxBodyBytes: 262144,
      maxMessageChars: 32000,
      corsOrigins: ['https://a.test', 'https://b.test'],
      rateLimit: { ttlMs: 60000, limit: 0 },
      shutdownGraceMs: 25000,
      metricsPrefix: 'agent_server_',
    });
    expect(config.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    ['myapp', 'myapp_'],
    ['my_app_', 'my_app_'],
    ['none', ''],
    ['', 'agent_server_'],
  ])('reads METRICS_PREFIX=%j as %j', (value, prefix) => {
    process.env = { METRICS_PREFIX: value };
    expect(appConfig().metricsPrefix).toBe(prefix);
  });

  it('refuses a METRICS_PREFIX Prometheus would not accept', () => {
    process.env = { METRICS_PREFIX: '9-lives' };
    expect(() => appConfig()).toThrow(/METRICS_PREFIX: must be letters, digits and underscores/);
  });

  it('picks the auth mode from the variables set', () => {
    process.env = {};
    expect(authConfig().mode).toBe('off');
    process.env = { AUTH_JWKS_URL: 'https://idp.test/jwks' };
    expect(authConfig().mode).toBe('jwks');
    process.env = { AUTH_JWT_SECRET: 's'.repeat(40) };
    expect(authConfig().mode).toBe('hs256');
  });

  it('reads each breaker from CB_<NAME>_* with per-breaker call timeouts', () => {
    process.env = { CB_VECTOR_SEARCH_FAILURE_THRESHOLD: '9' };
    const { breakers } = resilienceConfig();
    expect(breakers.vector_search).toEqual({
      failureThreshold: 9,
      recoveryTimeoutMs: 60000,
      maxRecoveryTimeoutMs: 300000,
      successThreshold: 2,
      callTimeoutMs: 2000,
    });
    expect(breakers.llm.callTimeoutMs).toBe(60000);
  });
});
