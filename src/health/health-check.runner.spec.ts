import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TerminusModule } from '@nestjs/terminus';
import { healthConfig, type HealthConfig } from '../config';
import type { HealthContributor } from './dependency-report';
import { HealthCheckRunner } from './health-check.runner';

async function runner(checkTimeoutMs = 50): Promise<HealthCheckRunner> {
  const moduleRef = await Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false })],
    providers: [
      HealthCheckRunner,
      { provide: healthConfig.KEY, useValue: { checkTimeoutMs } as HealthConfig },
    ],
  }).compile();
  return moduleRef.get(HealthCheckRunner);
}

const contributor = (
  key: string,
  critical: boolean,
  check: HealthContributor['check'],
): HealthContributor => ({ key, critical, check });

describe('HealthCheckRunner', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']));

  it('answers 200 in Terminus shape when every indicator is up', async () => {
    const answer = await (
      await runner()
    ).run('test', [contributor('db', true, () => ({ state: 'up', latency_ms: 1 }))]);
    expect(answer).toEqual({
      httpStatus: 200,
      body: {
        status: 'ok',
        info: { db: { status: 'up', state: 'up', latency_ms: 1, critical: true } },
        error: {},
        details: { db: { status: 'up', state: 'up', latency_ms: 1, critical: true } },
      },
    });
  });

  it('answers 503 (returned, not thrown) when a critical indicator is down', async () => {
    const answer = await (
      await runner()
    ).run('test', [
      contributor('db', true, () => ({ state: 'down', message: 'gone' })),
      contributor('cache', true, () => ({ state: 'up' })),
    ]);
    expect(answer.httpStatus).toBe(503);
    expect(answer.body.status).toBe('error');
    expect(answer.body.error).toEqual({
      db: { status: 'down', state: 'down', message: 'gone', critical: true },
    });
    expect(answer.body.info).toEqual({ cache: { status: 'up', state: 'up', critical: true } });
  });

  it('only reports a non-critical indicator that is down or degraded', async () => {
    const answer = await (
      await runner()
    ).run('test', [
      contributor('llm', false, () => ({ state: 'down' })),
      contributor('loop', false, () => Promise.resolve({ state: 'degraded' })),
    ]);
    expect(answer.httpStatus).toBe(200);
    expect(answer.body.details).toEqual({
      llm: { status: 'up', state: 'down', critical: false },
      loop: { status: 'up', state: 'degraded', critical: false },
    });
  });

  it('reads an indicator that throws or never answers as down', async () => {
    const answer = await (
      await runner(30)
    ).run('test', [
      contributor('thrower', true, () => {
        throw new Error('boom');
      }),
      contributor('rejecter', false, () => Promise.reject(new Error('nope'))),
      contributor('hung', true, () => new Promise(() => undefined)),
    ]);
    expect(answer.httpStatus).toBe(503);
    expect(answer.body.details).toEqual({
      thrower: { status: 'down', state: 'down', message: 'boom', critical: true },
      rejecter: { status: 'up', state: 'down', message: 'nope', critical: false },
      hung: { status: 'down', state: 'down', message: 'No answer within 30 ms', critical: true },
    });
  });

  it('logs when a verdict changes, not on every probe', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    try {
      const health = await runner();
      let state: 'up' | 'down' = 'down';
      const probe = [contributor('db', true, () => ({ state }))];
      await health.run('readiness', probe);
      await health.run('readiness', probe);
      const about = (spy: jest.SpyInstance) =>
        spy.mock.calls.map((call) => String(call[0])).filter((m) => m.startsWith('readiness'));
      expect(about(warn)).toEqual(['readiness is failing (error): db']);
      state = 'up';
      await health.run('readiness', probe);
      await health.run('readiness', probe);
      expect(about(log)).toEqual(['readiness is passing again']);
    } finally {
      warn.mockRestore();
      log.mockRestore();
    }
  });
});
