import { findUnsafeText, printableField, unsafeTextReason } from './unsafe-text';

describe('unsafeTextReason', () => {
  it.each(['', 'plain', 'émoji 😀', '\ud83d\ude00', 'tab\tand\nnewline'])('accepts %j', (text) => {
    expect(unsafeTextReason(text)).toBeUndefined();
  });

  it.each([
    ['a NUL', 'a\u0000b', /NUL/],
    ['a lone high surrogate', 'a\ud800b', /surrogate/],
    ['a lone low surrogate', '\udc00', /surrogate/],
    ['a reversed pair', '\ude00\ud83d', /surrogate/],
  ])('refuses %s', (_, text, reason) => {
    expect(unsafeTextReason(text)).toMatch(reason);
  });
});

describe('findUnsafeText', () => {
  it('finds nothing in clean values', () => {
    expect(findUnsafeText({ a: ['x', { b: 'y' }], c: 1, d: null }, 'body')).toBeUndefined();
    expect(findUnsafeText(undefined, 'body')).toBeUndefined();
  });

  it('names the path of a nested string', () => {
    expect(findUnsafeText({ metadata: { tags: ['ok', 'a\u0000'] } }, 'body')).toEqual({
      field: 'metadata.tags.1',
      message: expect.stringMatching(/NUL/),
    });
  });

  it('names a key with the offending character replaced', () => {
    expect(findUnsafeText({ metadata: { 'k\ud800': 1 } }, 'body')).toEqual({
      field: 'metadata.k\ufffd',
      message: expect.stringMatching(/^its name .*surrogate/),
    });
  });

  it('reports the first offender in document order', () => {
    const found = findUnsafeText({ a: 'ok', b: ['\u0000'], 'c\u0000': 'x' }, 'body');
    expect(found?.field).toBe('b.0');
  });

  it('names the root when the value itself is a string', () => {
    expect(findUnsafeText('\u0000', 'body')?.field).toBe('body');
  });

  it('costs no more than parsing the same JSON, even for 128,000 small values', () => {
    const text = JSON.stringify({ metadata: { a: new Array(128_000).fill(0), b: ['x'] } });
    const value: unknown = JSON.parse(text);
    // The fastest of a few runs of each, so that a busy machine slows both alike.
    const fastest = (work: () => unknown) => {
      let best = Infinity;
      for (let i = 0; i < 15; i++) {
        const started = performance.now();
        work();
        best = Math.min(best, performance.now() - started);
      }
      return best;
    };
    const parse = fastest(() => JSON.parse(text));
    const walk = fastest(() => findUnsafeText(value, 'body'));
    // A walk that is not linear would be orders of magnitude slower; 5x leaves room for a busy
    // machine's noise.
    expect(walk).toBeLessThan(parse * 5);
  });

  it('walks 100,000 levels without recursion', () => {
    let value: unknown = '\u0000';
    for (let i = 0; i < 100_000; i++) value = [value];
    expect(findUnsafeText(value, 'body')?.message).toMatch(/NUL/);
  });
});

describe('printableField', () => {
  it('bounds the length of what is echoed back', () => {
    expect(printableField('x'.repeat(1000))).toHaveLength(201);
  });
});
