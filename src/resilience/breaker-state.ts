/** A breaker's state, as reported to operators and listeners. */
export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

/** What became of one call, as reported to outcome listeners. */
export type CallOutcome = 'success' | 'failure' | 'rejected' | 'timeout' | 'ignored';
