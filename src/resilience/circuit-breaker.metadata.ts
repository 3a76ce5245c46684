/** Metadata key holding the breaker name set by `@UseCircuitBreaker()`. */
export const CIRCUIT_BREAKER_METADATA = 'resilience:circuit-breaker';
