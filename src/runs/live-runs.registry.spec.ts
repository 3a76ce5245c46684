import type { RunsConfig } from '../config';
import { DomainException } from '../common/errors/domain.exception';
import type { LifecycleService } from '../lifecycle';
import type { StreamRegistry } from '../streaming';
import { LiveRun, LiveRuns } from './live-runs.registry';
import type { RunEventLog } from './run-event-log';
import type { TerminalRunEvent } from './run-event.types';
import type { RunNotificationsService } from './run-notifications.service';

const SETTINGS: RunsConfig = {
  maxActive: 3,
  maxActivePerUser: 2,
  startConcurrency: 1,
  startQueueMs: 50,
  abandonedCheckMs: 1000,
  approvalTimeoutMs: 3_600_000,
  eventsRetentionMs: 0,
  eventsRetentionCheckMs: 1000,
  eventsRetentionBatch: 10,
};

function makeRegistry(overrides: Partial<RunsConfig> = {}) {
  const lifecycle = { isDraining: false, registerDrainParticipant: jest.fn() };
  const notified: string[] = [];
  const notifications = {
    subscribe: () => () => undefined,
    notify: (_: string, payload: string) => {
      notified.push(payload);
      return Promise.resolve();
    },
  };
  const registry = new LiveRuns(
    { ...SETTINGS, ...overrides },
    lifecycle as unknown as LifecycleService,
    notifications as unknown as RunNotificationsService,
    { closeAll: () => Promise.resolve() } as unknown as StreamRegistry,
    { readersGone: () => Promise.resolve() } as unknown as RunEventLog,
  );
  return { registry, lifecycle, notified };
}

/** A run that ends when told to, or when stopped. */
function controllable(id: string, user: string) {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  const run = new LiveRun(id, user, 'c');
  const execute = async (live: LiveRun): Promise<TerminalRunEvent> => {
    await Promise.race([
      ended,
      new Promise((resolve) => live.abort.signal.addEventListener('abort', resolve)),
    ]);
    return {
      type: 'error',
      run_id: id,
      seq: 1,
      code: live.stopReason ?? 'done',
      message: '',
      retryable: false,
    };
  };
  return { run, execute, end };
}

async function statusOf(promise: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return error instanceof DomainException ? error.status : -1;
  }
}

describe('LiveRuns', () => {
  it('admits a user up to RUNS_MAX_ACTIVE_PER_USER runs (then 429), counting runs that ended', async () => {
    const { registry } = makeRegistry({ startConcurrency: 10 });
    const runs = [controllable('r1', 'ann'), controllable('r2', 'ann')];
    for (const { run, execute } of runs) {
      const ticket = await registry.admit('ann');
      registry.launch(run, execute);
      ticket.release();
    }
    expect(await statusOf(registry.admit('ann'))).toBe(429);
    expect(await statusOf(registry.admit('bob').then((t) => t.release()))).toBe('ok');
    runs[0].end();
    await runs[0].run.done;
    expect(await statusOf(registry.admit('ann').then((t) => t.release()))).toBe('ok');
    runs[1].end();
  });

  it('refuses with 503 at RUNS_MAX_ACTIVE and while draining', async () => {
    const { registry, lifecycle } = makeRegistry({ startConcurrency: 10 });
    const runs = ['a', 'b', 'c'].map((user) => controllable(`run-${user}`, user));
    for (const { run, execute } of runs) registry.launch(run, execute);
    expect(await statusOf(registry.admit('d'))).toBe(503);
    for (const { end } of runs) end();
    await Promise.all(runs.map(({ run }) => run.done));
    lifecycle.isDraining = true;
    expect(await statusOf(registry.admit('d'))).toBe(503);
  });

  it('lets starts wait in line for their turn, and refuses them (503) past RUNS_START_QUEUE_MS', async () => {
    const { registry } = makeRegistry();
    const first = await registry.admit('a');
    const second = registry.admit('b');
    const third = registry.admit('c');
    first.release();
    const admitted = await second;
    expect(await statusOf(third)).toBe(503);
    admitted.release();
    admitted.release(); // twice is harmless
    const fourth = await registry.admit('d');
    fourth.release();
  });

  it('cancels a run here at once, and a run elsewhere through a notification', async () => {
    const { registry, notified } = makeRegistry();
    const { run, execute } = controllable('here', 'ann');
    registry.launch(run, execute);
    await registry.cancel('here');
    expect(await run.done).toMatchObject({ code: 'user' });
    expect(registry.get('here')).toBeUndefined();
    await registry.cancel('elsewhere');
    expect(notified).toEqual(['elsewhere:cancel']);
  });

  it('lets runs finish within the drain deadline and stops the rest with server_shutdown', async () => {
    const { registry } = makeRegistry({ startConcurrency: 10 });
    const quick = controllable('quick', 'a');
    const slow = controllable('slow', 'b');
    registry.launch(quick.run, quick.execute);
    registry.launch(slow.run, slow.execute);
    setTimeout(() => quick.end(), 5);
    await registry.drain(Date.now() + 50);
    expect(await quick.run.done).toMatchObject({ code: 'done' });
    expect(await slow.run.done).toMatchObject({ code: 'server_shutdown' });
    expect(registry.activeCount).toBe(0);
  });
});
