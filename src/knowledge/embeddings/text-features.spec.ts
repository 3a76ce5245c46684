import { hash32, isContentWord, lightStem, trigrams, words } from './text-features';

describe('text features', () => {
  it('splits text into lower-cased words without accents or punctuation', () => {
    expect(words('Crème Brûlée: 2 servings, e-mail!')).toEqual([
      'creme',
      'brulee',
      '2',
      'servings',
      'e',
      'mail',
    ]);
    expect(words('  ...  ')).toEqual([]);
  });

  it('keeps content words and drops stopwords and single characters', () => {
    expect(['the', 'refund', 'a', 'x', 'was', 'policy'].filter(isContentWord)).toEqual([
      'refund',
      'policy',
    ]);
  });

  it.each([
    ['refunds', 'refund'],
    ['refunded', 'refund'],
    ['refunding', 'refund'],
    ['shipping', 'ship'],
    ['deliveries', 'delivery'],
    ['organization', 'organize'],
    ['payment', 'pay'],
    ['quickly', 'quick'],
    ['bus', 'bus'],
    ['is', 'is'],
  ])('stems %s to %s', (word, stem) => {
    expect(lightStem(word)).toBe(stem);
  });

  it('makes boundary-marked character trigrams', () => {
    expect(trigrams('cat')).toEqual(['<ca', 'cat', 'at>']);
    expect(trigrams('a')).toEqual(['<a>']);
  });

  it('hashes the same string to the same unsigned 32-bit number everywhere', () => {
    expect(hash32('refund')).toBe(hash32('refund'));
    expect(hash32('refund')).not.toBe(hash32('refunds'));
    for (const value of ['', 'a', 'w:refund', 'c:<ca']) {
      const h = hash32(value);
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
    }
    // Pinned: a change here changes every stored local embedding.
    expect(hash32('w:refund')).toBe(2317228571);
  });
});
