import { withTimeout } from './with-timeout';

describe('withTimeout', () => {
  it('settles with the work when it is in time', async () => {
    await expect(
      withTimeout(
        () => Promise.resolve('done'),
        1000,
        () => 'late',
      ),
    ).resolves.toBe('done');
    await expect(
      withTimeout(
        () => 'sync',
        1000,
        () => 'late',
      ),
    ).resolves.toBe('sync');
  });

  it('answers with the fallback when the work never settles', async () => {
    const started = Date.now();
    const result = await withTimeout(
      () => new Promise<string>(() => undefined),
      30,
      () => 'late',
    );
    expect(result).toBe('late');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('passes on a rejection or a synchronous throw of the work', async () => {
    await expect(
      withTimeout(
        () => Promise.reject(new Error('no')),
        1000,
        () => 'x',
      ),
    ).rejects.toThrow('no');
    await expect(
      withTimeout(
        () => {
          throw new Error('sync no');
        },
        1000,
        () => 'x',
      ),
    ).rejects.toThrow('sync no');
  });
});
