/**
 * How long to wait before attempt `attempt + 1` after `attempt` failed: exponential from `baseMs`,
 * capped at `maxMs`, with "equal jitter" (half fixed, half random) so that receivers coming back
 * are not hit by every instance's retries at the same instant.
 */
export function retryDelayMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
