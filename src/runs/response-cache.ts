import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { llmConfig, type LlmConfig } from '../config';

/** A cached complete answer. */
interface CachedAnswer {
  text: string;
  storedAt: number;
}

/**
 * Whose answer a cached entry is. An answer is only ever served back to the user who got it, and
 * an answer given with earlier messages in the conversation (it may quote them: "what did I tell
 * you?") only within that conversation.
 */
export interface AnswerScope {
  userId: string;
  conversationId: string;
  /** The question came after other messages of its conversation. */
  hasHistory: boolean;
}

/**
 * Recent complete answers keyed by their scope and the normalised question, answered when the
 * model is unavailable (the `llm` circuit is open) so a user still gets a useful, clearly
 * `degraded` answer. In memory, per instance, bounded (least recently used goes first) and
 * expiring. Never shared between users: a degraded answer comes from the asker's own data.
 */
@Injectable()
export class ResponseCache {
  private readonly entries = new Map<string, CachedAnswer>();

  constructor(@Inject(llmConfig.KEY) private readonly config: LlmConfig) {}

  /** The cached answer to this question in this scope, if any and still fresh. */
  get(scope: AnswerScope, question: string): string | undefined {
    const key = cacheKey(scope, question);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (Date.now() - entry.storedAt > this.config.responseCacheTtlMs) {
      this.entries.delete(key);
      return undefined;
    }
    // Re-insert: Map keeps insertion order, so the first key is always the least recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.text;
  }

  /** Remembers a complete answer in its scope. */
  set(scope: AnswerScope, question: string, text: string): void {
    if (this.config.responseCacheSize === 0 || text.length === 0) return;
    const key = cacheKey(scope, question);
    this.entries.delete(key);
    this.entries.set(key, { text, storedAt: Date.now() });
    while (this.entries.size > this.config.responseCacheSize) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

/** User ids are opaque strings: JSON keeps any of them from running into the question. */
function cacheKey(scope: AnswerScope, question: string): string {
  const where = scope.hasHistory ? scope.conversationId : '';
  return JSON.stringify([scope.userId, where, normaliseQuestion(question)]);
}

/**
 * Case, punctuation and spacing do not make a different question. A long question is keyed by the
 * digest of its normalised text: V8 hashes a string of more than 16,383 characters by its length
 * alone, so long keys of one length would all land in one bucket of the Map and every look-up
 * would compare them.
 */
export function normaliseQuestion(question: string): string {
  const maxKeyChars = 1000;
  const normalised = question
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (normalised.length <= maxKeyChars) return normalised;
  // ":" never survives normalisation, so a digest key cannot equal a short question's key.
  return `sha256:${createHash('sha256').update(normalised).digest('hex')}`;
}
