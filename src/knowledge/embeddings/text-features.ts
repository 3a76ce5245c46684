/**
 * The features the local embedding hashes: words, light stems, word pairs and character trigrams.
 * Pure functions, so the embedding is the same on every machine and run.
 */

/** Common English words that say little about what a passage is about. */
const STOPWORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being ' +
    'below between both but by can could did do does doing down during each few for from further ' +
    'had has have having he her here hers herself him himself his how i if in into is it its ' +
    'itself just me more most my myself no nor not now of off on once only or other our ours ' +
    'ourselves out over own same she should so some such than that the their theirs them ' +
    'themselves then there these they this those through to too under until up very was we were ' +
    'what when where which while who whom why will with would you your yours yourself yourselves'
  ).split(' '),
);

/** Suffixes stripped by {@link lightStem}, longest first; `[suffix, replacement]`. */
const SUFFIXES: ReadonlyArray<readonly [string, string]> = [
  ['ational', 'ate'],
  ['ization', 'ize'],
  ['fulness', 'ful'],
  ['iveness', 'ive'],
  ['ations', 'ate'],
  ['ation', 'ate'],
  ['ingly', ''],
  ['ments', ''],
  ['ness', ''],
  ['ment', ''],
  ['ings', ''],
  ['ies', 'y'],
  ['ing', ''],
  ['ers', ''],
  ['ied', 'y'],
  ['ed', ''],
  ['er', ''],
  ['ly', ''],
  ['es', ''],
  ['s', ''],
];

const MIN_STEM_LENGTH = 3;

/** Lower-cased words of the text, accents removed; letters and digits only. */
export function words(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** Whether the word carries meaning (not a stopword, not a single letter). */
export function isContentWord(word: string): boolean {
  return word.length > 1 && !STOPWORDS.has(word);
}

/**
 * A crude English stem, enough to make "refunds", "refunded" and "refunding" meet at "refund" and
 * "shipping" at "ship". Not Porter: the character trigrams cover what it misses.
 */
export function lightStem(word: string): string {
  for (const [suffix, replacement] of SUFFIXES) {
    if (!word.endsWith(suffix)) continue;
    const stem = word.slice(0, word.length - suffix.length) + replacement;
    if (stem.length < MIN_STEM_LENGTH) continue;
    // "shipp" (from "shipping") -> "ship": a doubled final consonant is the suffix's doing.
    return /([b-df-hj-np-tv-z])\1$/.test(stem) && replacement === '' ? stem.slice(0, -1) : stem;
  }
  return word;
}

/** Character trigrams of the word with boundary marks: "cat" -> "<ca", "cat", "at>". */
export function trigrams(word: string): string[] {
  const marked = `<${word}>`;
  const grams: string[] = [];
  for (let i = 0; i + 3 <= marked.length; i += 1) grams.push(marked.slice(i, i + 3));
  return grams;
}

/**
 * A 32-bit hash of the string (FNV-1a with a final avalanche), stable across runs and machines.
 */
export function hash32(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i += 1) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // murmur3's finaliser: spreads nearby inputs over all bits, so `h % dimensions` is even.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
