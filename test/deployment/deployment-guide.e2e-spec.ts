import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BREAKER_NAMES, ENV_SCHEMAS } from '../../src/config/env.schema';
import { ROOT, envExampleNames, headingAnchor, readText } from './deployment-files';

const GUIDE = 'docs/DEPLOYMENT_GUIDE.md';
const guide = readText(GUIDE);
/** The guide without its fenced code blocks, for headings and links. */
const prose = guide.replace(/^```[\s\S]*?^```/gm, '');

describe('docs/DEPLOYMENT_GUIDE.md', () => {
  it('documents every variable of .env.example', () => {
    const missing = envExampleNames().filter((name) => !guide.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('documents every variable the service reads (breakers through CB_<NAME>_*)', () => {
    const names = ENV_SCHEMAS.flatMap((schema) => Object.keys(schema.shape));
    const missing = names.filter((name) => {
      const breaker =
        /^CB_[A-Z_]+?_(FAILURE_THRESHOLD|RECOVERY_TIMEOUT_MS|MAX_RECOVERY_TIMEOUT_MS|SUCCESS_THRESHOLD|CALL_TIMEOUT_MS)$/.exec(
          name,
        );
      return breaker
        ? !guide.includes(`\`CB_<NAME>_${breaker[1]}\``)
        : !guide.includes(`\`${name}\``);
    });
    expect(missing).toEqual([]);
    for (const breaker of BREAKER_NAMES) expect(guide).toContain(`\`${breaker.toUpperCase()}\``);
  });

  it('has the sections operators look for', () => {
    const headings = [...prose.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1].trim());
    expect(headings).toEqual(
      expect.arrayContaining([
        'Pre-deployment checklist',
        'Environment variables',
        'Docker',
        'docker compose',
        'Kubernetes with Helm',
        'Values',
        'Health endpoints and probes',
        'Scaling out',
        'Graceful shutdown and rolling updates',
        'Monitoring',
        'Suggested alerts',
        'Performance tuning',
        'Security hardening',
        'Rollback',
        'Troubleshooting',
      ]),
    );
  });

  it.each([
    ['the probe paths', ['`/health`', '`/health/ready`', '`/metrics`', 'startupProbe']],
    ['stream resumption across replicas', ['Last-Event-ID', 'LISTEN/NOTIFY']],
    ['the shutdown arithmetic', ['terminationGracePeriodSeconds', 'preStop', 'SHUTDOWN_GRACE_MS']],
    [
      'the key series',
      ['http_request_duration_seconds', 'stream_first_event_seconds', 'circuit_breaker_state'],
    ],
    ['rollback', ['helm rollback', 'node dist/database/cli.js revert']],
    ['proxies and SSE', ['proxy-buffering', 'proxy-read-timeout', 'X-Accel-Buffering']],
    ['503s from open circuits', ['Retry-After', 'circuit-breakers']],
    ['tuning', ['DB_POOL_SIZE', 'UV_THREADPOOL_SIZE', 'STREAM_FLUSH_INTERVAL_MS']],
    ['security', ['NetworkPolicy', 'TLS', 'existingSecret', 'read-only root filesystem']],
  ])('covers %s', (_, phrases) => {
    expect(phrases.filter((phrase) => !guide.includes(phrase))).toEqual([]);
  });

  it('links only to files and headings that exist', () => {
    const anchors = new Set([...prose.matchAll(/^#{1,6} (.+)$/gm)].map((m) => headingAnchor(m[1])));
    const broken: string[] = [];
    for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^https?:/.test(target)) continue;
      const [file, anchor] = target.split('#');
      if (file && !existsSync(join(ROOT, dirname(GUIDE), file))) broken.push(target);
      if (!file && anchor && !anchors.has(anchor)) broken.push(target);
    }
    expect(broken).toEqual([]);
  });
});
