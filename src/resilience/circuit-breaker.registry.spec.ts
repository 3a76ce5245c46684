import type { BreakerName } from '../config/env.schema';
import { CircuitBreakerRegistry, MAX_KEYED } from './circuit-breaker.registry';
import { InvalidBreakerSettingsError } from './breaker-settings';
import { ManualClock } from '../../test/support/manual-clock';
import { UnknownBreakerError } from './unknown-breaker.error';

const serverError = (): Error => Object.assign(new Error('down'), { status: 500 });

describe('CircuitBreakerRegistry', () => {
  it('owns the four standard breakers with their default call timeouts, even without settings', () => {
    const registry = new CircuitBreakerRegistry();

    expect(registry.list().map((b) => [b.name, b.settings.callTimeoutMs])).toEqual([
      ['llm', 60_000],
      ['vector_search', 2_000],
      ['database', 5_000],
      ['tools', 10_000],
      ['webhooks', 10_000],
    ]);
  });

  it('applies per-breaker overrides and adds breakers named only in the settings', () => {
    const registry = new CircuitBreakerRegistry({
      breakers: {
        llm: { callTimeoutMs: 90_000, failureThreshold: 3 },
        database: undefined,
        billing_api: { successThreshold: 1 },
      },
    });

    expect(registry.get('llm').settings).toMatchObject({
      callTimeoutMs: 90_000,
      failureThreshold: 3,
    });
    expect(registry.get('database').settings.callTimeoutMs).toBe(5_000);
    expect(registry.has('billing_api')).toBe(true);
    expect(registry.find('billing_api').settings).toMatchObject({
      successThreshold: 1,
      callTimeoutMs: 10_000,
    });
  });

  it('refuses bad settings at construction', () => {
    expect(
      () => new CircuitBreakerRegistry({ breakers: { tools: { failureThreshold: 0 } } }),
    ).toThrow(InvalidBreakerSettingsError);
  });

  it('refuses a classifier for a breaker that does not exist', () => {
    expect(() => new CircuitBreakerRegistry({ classifiers: { lmm: () => 'failure' } })).toThrow(
      UnknownBreakerError,
    );
  });

  it('gives each breaker its own classifier', async () => {
    const registry = new CircuitBreakerRegistry({
      breakers: { tools: { failureThreshold: 1 } },
      classifiers: { tools: () => 'ignored' },
    });

    await expect(registry.execute('tools', () => Promise.reject(serverError()))).rejects.toThrow(
      'down',
    );
    expect(registry.get('tools').state).toBe('CLOSED');
  });

  it("lets a dependency's owner set how its breaker counts errors", async () => {
    const registry = new CircuitBreakerRegistry({ breakers: { llm: { failureThreshold: 1 } } });
    registry.classify('llm', () => 'ignored');

    await expect(registry.execute('llm', () => Promise.reject(serverError()))).rejects.toThrow(
      'down',
    );
    expect(registry.get('llm').state).toBe('CLOSED');
    expect(registry.get('tools').state).toBe('CLOSED');
    registry.classify('llm', () => 'failure');
    await expect(registry.execute('llm', () => Promise.reject(serverError()))).rejects.toThrow(
      'down',
    );
    expect(registry.get('llm').state).toBe('OPEN');
  });

  it('throws UnknownBreakerError from find() and rejects with it from execute()', async () => {
    const registry = new CircuitBreakerRegistry();

    expect(() => registry.find('nope')).toThrow(UnknownBreakerError);
    expect(registry.has('nope')).toBe(false);
    const error = await registry
      .execute('nope' as BreakerName, () => Promise.resolve(1))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownBreakerError);
    expect(error).toMatchObject({
      breakerName: 'nope',
      knownNames: ['llm', 'vector_search', 'database', 'tools', 'webhooks'],
    });
    expect(() => registry.reset('nope')).toThrow(UnknownBreakerError);
    expect(() => registry.isolate('nope')).toThrow(UnknownBreakerError);
  });

  it('runs calls through the named breaker and reports every breaker', async () => {
    const registry = new CircuitBreakerRegistry({ clock: new ManualClock() });

    await expect(registry.execute('database', () => Promise.resolve('row'))).resolves.toBe('row');

    const snapshots = registry.snapshots();
    expect(snapshots.map((s) => s.name)).toEqual([
      'llm',
      'vector_search',
      'database',
      'tools',
      'webhooks',
    ]);
    expect(snapshots[2].metrics.successful_calls).toBe(1);
    expect(snapshots[0].metrics.total_calls).toBe(0);
  });

  it('isolates and resets by name, returning the snapshot', async () => {
    const clock = new ManualClock();
    const registry = new CircuitBreakerRegistry({ clock, historyLimit: 1 });

    const isolated = registry.isolate('llm');
    expect(isolated).toMatchObject({ name: 'llm', state: 'OPEN', next_attempt_at: null });
    await expect(registry.execute('llm', () => Promise.resolve(1))).rejects.toMatchObject({
      breakerName: 'llm',
      reason: 'isolated',
    });

    const reset = registry.reset('llm');
    expect(reset).toMatchObject({ state: 'CLOSED', metrics: { total_calls: 0 } });
    expect(reset.history).toEqual([
      expect.objectContaining({ from: 'OPEN', to: 'CLOSED', reason: 'reset by operator' }),
    ]);
  });
});

describe('CircuitBreakerRegistry.forKey', () => {
  it('makes one breaker per key with the base breaker settings, listed with the others', () => {
    const registry = new CircuitBreakerRegistry({
      breakers: { webhooks: { failureThreshold: 2 } },
    });
    const a = registry.forKey('webhooks', 'a.example');
    expect(registry.forKey('webhooks', 'a.example')).toBe(a);
    expect(a.name).toBe('webhooks:a.example');
    expect(a.settings.failureThreshold).toBe(2);
    expect(registry.forKey('webhooks', 'b.example')).not.toBe(a);
    expect(registry.has('webhooks:a.example')).toBe(true);
    expect(registry.snapshots().map((s) => s.name)).toContain('webhooks:b.example');
  });

  it('keeps at most MAX_KEYED keyed breakers, dropping the oldest', () => {
    const registry = new CircuitBreakerRegistry();
    for (let i = 0; i <= MAX_KEYED; i++) registry.forKey('webhooks', `h${i}`);
    expect(registry.has('webhooks:h0')).toBe(false);
    expect(registry.has(`webhooks:h${MAX_KEYED}`)).toBe(true);
    expect(registry.list()).toHaveLength(5 + MAX_KEYED);
  });
});
