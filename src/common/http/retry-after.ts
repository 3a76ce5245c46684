/**
 * `Retry-After` in whole seconds for a wait of `ms`, rounded up (a client never comes back too
 * early) and at least 1 (0 would invite an immediate retry storm).
 */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** The `Retry-After` header for a wait of `ms`; see {@link retryAfterSeconds}. */
export function retryAfterHeaders(ms: number): Record<string, string> {
  return { 'Retry-After': String(retryAfterSeconds(ms)) };
}
