import { HealthContributorRegistry } from './health-contributor.registry';

describe('HealthContributorRegistry', () => {
  it('starts empty: each owner registers its own indicator', () => {
    expect(new HealthContributorRegistry().list()).toEqual([]);
  });

  it('replaces by key, and removes the indicator with its remover', () => {
    const registry = new HealthContributorRegistry();
    const real = {
      key: 'vector_search',
      critical: false,
      check: () => ({ state: 'up' as const }),
    };
    const remove = registry.register(real);
    expect(registry.list()).toEqual([real]);
    remove();
    expect(registry.list()).toEqual([]);
  });

  it('adds and removes other indicators; a stale remover does nothing', () => {
    const registry = new HealthContributorRegistry();
    const first = { key: 'queue', critical: true, check: () => ({ state: 'up' as const }) };
    const second = { key: 'queue', critical: false, check: () => ({ state: 'up' as const }) };
    const removeFirst = registry.register(first);
    registry.register(second);
    removeFirst();
    expect(registry.list().map((c) => c.critical)).toEqual([false]);
  });

  it('refuses the key of a built-in indicator', () => {
    expect(() =>
      new HealthContributorRegistry().register({
        key: 'database',
        critical: true,
        check: () => ({ state: 'up' }),
      }),
    ).toThrow(/built-in/);
  });
});
