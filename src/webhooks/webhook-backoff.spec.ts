import { retryDelayMs } from './webhook-backoff';

describe('retryDelayMs', () => {
  it('doubles from the base, between half and all of each step', () => {
    expect(retryDelayMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(retryDelayMs(3, 1000, 60_000, () => 0)).toBe(2000);
    expect(retryDelayMs(3, 1000, 60_000, () => 1)).toBe(4000);
  });

  it('never exceeds the cap, even after many attempts', () => {
    expect(retryDelayMs(500, 1000, 60_000, () => 1)).toBe(60_000);
    expect(retryDelayMs(500, 1000, 60_000, () => 0)).toBe(30_000);
  });
});
