import { Injectable } from '@nestjs/common';
import type { HealthContributor } from './dependency-report';

/** Key of the vector search indicator; the knowledge module replaces the placeholder below. */
export const VECTOR_SEARCH_KEY = 'vector_search';

/** Keys of the built-in indicators of `/health/detailed`; a contributor may not take them. */
export const BUILT_IN_HEALTH_KEYS: readonly string[] = [
  'database',
  'memory_heap',
  'memory_rss',
  'disk',
  'event_loop',
  'lifecycle',
  'circuit_breakers',
  'llm',
  'streaming',
  'process',
];

/** Reported until a module registers a real vector search indicator. */
const VECTOR_SEARCH_PLACEHOLDER: HealthContributor = {
  key: VECTOR_SEARCH_KEY,
  critical: false,
  check: () => ({ state: 'not_configured', mode: 'not_configured' }),
};

/**
 * Indicators other modules add to `/health/detailed`, by key. Register in `onModuleInit`:
 * `registry.register({ key: 'vector_search', critical: false, check: () => ... })`.
 */
@Injectable()
export class HealthContributorRegistry {
  private readonly contributors = new Map<string, HealthContributor>([
    [VECTOR_SEARCH_KEY, VECTOR_SEARCH_PLACEHOLDER],
  ]);

  /**
   * Adds an indicator, replacing any with the same key. Returns the function that removes it
   * (a removed `vector_search` goes back to the placeholder).
   */
  register(contributor: HealthContributor): () => void {
    if (BUILT_IN_HEALTH_KEYS.includes(contributor.key)) {
      throw new Error(`Health key "${contributor.key}" belongs to a built-in indicator`);
    }
    this.contributors.set(contributor.key, contributor);
    return () => {
      if (this.contributors.get(contributor.key) !== contributor) return;
      if (contributor.key === VECTOR_SEARCH_KEY) {
        this.contributors.set(VECTOR_SEARCH_KEY, VECTOR_SEARCH_PLACEHOLDER);
      } else {
        this.contributors.delete(contributor.key);
      }
    };
  }

  /** Every registered indicator. */
  list(): HealthContributor[] {
    return [...this.contributors.values()];
  }
}
