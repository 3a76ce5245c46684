import type { LlmConfig } from '../config';
import { normaliseQuestion, ResponseCache } from './response-cache';

const config = (size: number, ttlMs = 60_000) =>
  ({ responseCacheSize: size, responseCacheTtlMs: ttlMs }) as LlmConfig;

describe('ResponseCache', () => {
  afterEach(() => jest.useRealTimers());

  it('answers the same question whatever its case, punctuation and spacing', () => {
    const cache = new ResponseCache(config(10));
    cache.set('What is the capital of France?', 'Paris.');
    expect(cache.get('  what IS the capital of france ')).toBe('Paris.');
    expect(cache.get('What is the capital of Spain?')).toBeUndefined();
    expect(normaliseQuestion('Ça va, Zoë?!')).toBe('ça va zoë');
  });

  it('keys a long question by a short digest, the same whatever its case and punctuation', () => {
    const long = 'why '.repeat(8000);
    const key = normaliseQuestion(long);
    expect(key.length).toBeLessThan(100);
    expect(normaliseQuestion(long.toUpperCase().replaceAll(' ', '?  '))).toBe(key);
    expect(normaliseQuestion(`${long}not`)).not.toBe(key);
    const cache = new ResponseCache(config(10));
    cache.set(long, 'Because.');
    expect(cache.get(`${long.toUpperCase()}!`)).toBe('Because.');
  });

  it('forgets the least recently used answer past its size', () => {
    const cache = new ResponseCache(config(2));
    cache.set('a', 'A');
    cache.set('b', 'B');
    expect(cache.get('a')).toBe('A'); // a is now the most recently used
    cache.set('c', 'C');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('A');
    expect(cache.get('c')).toBe('C');
  });

  it('expires answers after the TTL', () => {
    jest.useFakeTimers({ now: 0 });
    const cache = new ResponseCache(config(10, 1000));
    cache.set('q', 'answer');
    jest.setSystemTime(999);
    expect(cache.get('q')).toBe('answer');
    jest.setSystemTime(2100);
    expect(cache.get('q')).toBeUndefined();
  });

  it('keeps nothing when turned off, and never an empty answer', () => {
    const off = new ResponseCache(config(0));
    off.set('q', 'answer');
    expect(off.get('q')).toBeUndefined();
    const on = new ResponseCache(config(5));
    on.set('q', '');
    expect(on.get('q')).toBeUndefined();
  });
});
