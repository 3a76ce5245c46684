import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config';
import type { DrainContext } from './drain-participant';
import { LifecycleService } from './lifecycle.service';

function service(shutdownGraceMs = 1000): LifecycleService {
  return new LifecycleService({ shutdownGraceMs } as AppConfig);
}

describe('LifecycleService', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']));

  it('is not draining until startDraining(), then sets the flag synchronously', () => {
    const lifecycle = service();
    expect(lifecycle.isDraining).toBe(false);
    expect(lifecycle.drainingSince).toBeNull();
    void lifecycle.startDraining();
    expect(lifecycle.isDraining).toBe(true);
    expect(lifecycle.drainingSince).toBeInstanceOf(Date);
  });

  it('runs every participant concurrently with the deadline from SHUTDOWN_GRACE_MS', async () => {
    const lifecycle = service(5000);
    const contexts: DrainContext[] = [];
    const order: string[] = [];
    lifecycle.registerDrainParticipant('runs', async (context) => {
      contexts.push(context);
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push('runs');
    });
    lifecycle.registerDrainParticipant('streams', (context) => {
      contexts.push(context);
      order.push('streams');
    });
    const before = Date.now();
    const report = await lifecycle.startDraining();

    expect(order).toEqual(['streams', 'runs']);
    expect(contexts).toHaveLength(2);
    expect(contexts[0].graceMs).toBe(5000);
    expect(contexts[0].deadline).toBeGreaterThanOrEqual(before + 5000);
    expect(contexts[0].signal.aborted).toBe(false);
    expect(report.graceMs).toBe(5000);
    expect(report.participants.map((p) => [p.name, p.outcome])).toEqual([
      ['runs', 'completed'],
      ['streams', 'completed'],
    ]);
  });

  it('stops waiting at the deadline, aborts the signal and reports the participant timed out', async () => {
    const lifecycle = service();
    let signal: AbortSignal | undefined;
    lifecycle.registerDrainParticipant('stuck', (context) => {
      signal = context.signal;
      return new Promise(() => undefined);
    });
    const report = await lifecycle.startDraining(30);
    expect(report.participants).toEqual([
      expect.objectContaining({ name: 'stuck', outcome: 'timed_out' }),
    ]);
    expect(signal?.aborted).toBe(true);
  });

  it('reports a failing participant without rejecting or stopping the others', async () => {
    const lifecycle = service();
    lifecycle.registerDrainParticipant('broken', () => {
      throw new Error('boom');
    });
    lifecycle.registerDrainParticipant('fine', () => undefined);
    const report = await lifecycle.startDraining();
    expect(report.participants).toEqual([
      expect.objectContaining({ name: 'broken', outcome: 'failed', error: 'boom' }),
      expect.objectContaining({ name: 'fine', outcome: 'completed' }),
    ]);
  });

  it('drains once: a second call returns the first report and runs nothing again', async () => {
    const lifecycle = service();
    const participant = jest.fn();
    lifecycle.registerDrainParticipant('once', participant);
    const first = lifecycle.startDraining();
    const second = lifecycle.startDraining(1);
    expect(second).toBe(first);
    await first;
    expect(participant).toHaveBeenCalledTimes(1);
  });

  it('does not call a participant that unregistered before draining', async () => {
    const lifecycle = service();
    const participant = jest.fn();
    const unregister = lifecycle.registerDrainParticipant('gone', participant);
    unregister();
    const report = await lifecycle.startDraining();
    expect(participant).not.toHaveBeenCalled();
    expect(report.participants).toEqual([]);
  });

  it('calls a participant registered while draining at once, with the same deadline', async () => {
    const lifecycle = service();
    const report = lifecycle.startDraining(1000);
    const late = jest.fn();
    lifecycle.registerDrainParticipant('late', late);
    await report;
    await new Promise((resolve) => setImmediate(resolve));
    expect(late).toHaveBeenCalledTimes(1);
    expect((late.mock.calls[0] as [DrainContext])[0].graceMs).toBe(1000);
  });
});
