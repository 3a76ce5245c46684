import { Injectable } from '@nestjs/common';
import type { HealthContributor } from './dependency-report';

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

/**
 * Indicators other modules add to `/health/detailed`, by key: each dependency's owner registers its
 * own in `onModuleInit` (the knowledge module: `vector_search`), so health imports none of them.
 */
@Injectable()
export class HealthContributorRegistry {
  private readonly contributors = new Map<string, HealthContributor>();

  /** Adds an indicator, replacing any with the same key. Returns the function that removes it. */
  register(contributor: HealthContributor): () => void {
    if (BUILT_IN_HEALTH_KEYS.includes(contributor.key)) {
      throw new Error(`Health key "${contributor.key}" belongs to a built-in indicator`);
    }
    this.contributors.set(contributor.key, contributor);
    return () => {
      if (this.contributors.get(contributor.key) === contributor) {
        this.contributors.delete(contributor.key);
      }
    };
  }

  /** Every registered indicator. */
  list(): HealthContributor[] {
    return [...this.contributors.values()];
  }
}
