import type { LlmConfig } from '../config';
import { normaliseQuestion, ResponseCache } from './response-cache';

const config = (size: number, ttlMs = 60_000) =>
  ({ responseCacheSize: size, responseCacheTtlMs: ttlMs }) as LlmConfig;

const A = { userId: 'alice', conversationId: 'c-1', hasHistory: false };

describe('ResponseCache', () => {
  afterEach(() => jest.useRealTimers());

  it('answers the same question whatever its case, punctuation and spacing', () => {
    const cache = new ResponseCache(config(10));
    cache.set(A, 'What is the capital of France?', 'Paris.');
    expect(cache.get(A, '  what IS the capital of france ')).toBe('Paris.');
    expect(cache.get(A, 'What is the capital of Spain?')).toBeUndefined();
    expect(normaliseQuestion('Ça va, Zoë?!')).toBe('ça va zoë');
  });

  it('keys a long question by a short digest, the same whatever its case and punctuation', () => {
    const long = 'why '.repeat(8000);
    const key = normaliseQuestion(long);
    expect(key.length).toBeLessThan(100);
    expect(normaliseQuestion(long.toUpperCase().replaceAll(' ', '?  '))).toBe(key);
    expect(normaliseQuestion(`${long}not`)).not.toBe(key);
    const cache = new ResponseCache(config(10));
    cache.set(A, long, 'Because.');
    expect(cache.get(A, `${long.toUpperCase()}!`)).toBe('Because.');
  });

  it('forgets the least recently used answer past its size', () => {
    const cache = new ResponseCache(config(2));
    cache.set(A, 'a', 'A');
    cache.set(A, 'b', 'B');
    expect(cache.get(A, 'a')).toBe('A'); // a is now the most recently used
    cache.set(A, 'c', 'C');
    expect(cache.get(A, 'b')).toBeUndefined();
    expect(cache.get(A, 'a')).toBe('A');
    expect(cache.get(A, 'c')).toBe('C');
  });

  it('expires answers after the TTL', () => {
    jest.useFakeTimers({ now: 0 });
    const cache = new ResponseCache(config(10, 1000));
    cache.set(A, 'q', 'answer');
    jest.setSystemTime(999);
    expect(cache.get(A, 'q')).toBe('answer');
    jest.setSystemTime(2100);
    expect(cache.get(A, 'q')).toBeUndefined();
  });

  it('keeps nothing when turned off, and never an empty answer', () => {
    const off = new ResponseCache(config(0));
    off.set(A, 'q', 'answer');
    expect(off.get(A, 'q')).toBeUndefined();
    const on = new ResponseCache(config(5));
    on.set(A, 'q', '');
    expect(on.get(A, 'q')).toBeUndefined();
  });

  it('never serves one user an answer another user got', () => {
    const cache = new ResponseCache(config(10));
    cache.set(A, 'What is the capital of France?', 'Paris.');
    const bob = { userId: 'bob', conversationId: 'c-2', hasHistory: false };
    expect(cache.get(bob, 'What is the capital of France?')).toBeUndefined();
    // Another conversation of the same user, with no history: the answer is the user's own.
    expect(cache.get({ ...A, conversationId: 'c-3' }, 'what is the capital of france')).toBe(
      'Paris.',
    );
  });

  it('keeps an answer given after earlier messages to its own conversation', () => {
    const cache = new ResponseCache(config(10));
    const withHistory = { ...A, hasHistory: true };
    cache.set(withHistory, 'What did I tell you?', 'Your PIN is 4321.');
    expect(cache.get(withHistory, 'what did I tell you')).toBe('Your PIN is 4321.');
    expect(cache.get(A, 'what did I tell you')).toBeUndefined();
    expect(cache.get({ ...withHistory, conversationId: 'c-9' }, 'what did I tell you')).toBe(
      undefined,
    );
    expect(cache.get({ ...withHistory, userId: 'bob' }, 'what did I tell you')).toBeUndefined();
  });

  it('does not let a user id run into the question', () => {
    const cache = new ResponseCache(config(10));
    cache.set({ ...A, userId: 'a b' }, 'c', 'one');
    expect(cache.get({ ...A, userId: 'a' }, 'b c')).toBeUndefined();
  });
});
