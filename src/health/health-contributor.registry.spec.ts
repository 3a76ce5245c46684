import { HealthContributorRegistry, VECTOR_SEARCH_KEY } from './health-contributor.registry';

describe('HealthContributorRegistry', () => {
  it('starts with a vector search placeholder that says not_configured', async () => {
    const [placeholder] = new HealthContributorRegistry().list();
    expect(placeholder.key).toBe(VECTOR_SEARCH_KEY);
    expect(placeholder.critical).toBe(false);
    expect(await placeholder.check()).toEqual({ state: 'not_configured', mode: 'not_configured' });
  });

  it('replaces by key, and restores the placeholder when the replacement is removed', () => {
    const registry = new HealthContributorRegistry();
    const real = {
      key: VECTOR_SEARCH_KEY,
      critical: false,
      check: () => ({ state: 'up' as const }),
    };
    const remove = registry.register(real);
    expect(registry.list()).toEqual([real]);
    remove();
    expect(registry.list()).toHaveLength(1);
    expect(registry.list()[0]).not.toBe(real);
  });

  it('adds and removes other indicators; a stale remover does nothing', () => {
    const registry = new HealthContributorRegistry();
    const first = { key: 'queue', critical: true, check: () => ({ state: 'up' as const }) };
    const second = { key: 'queue', critical: false, check: () => ({ state: 'up' as const }) };
    const removeFirst = registry.register(first);
    registry.register(second);
    removeFirst();
    expect(registry.list().map((c) => c.critical)).toEqual([false, false]);
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
