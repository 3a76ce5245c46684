import { RecursiveTextSplitter } from './recursive-text.splitter';

describe('RecursiveTextSplitter', () => {
  const split = (text: string, chunkSize: number, chunkOverlap = 0) =>
    new RecursiveTextSplitter({ chunkSize, chunkOverlap }).splitText(text);

  it('keeps a text that fits as one trimmed chunk', async () => {
    expect(await split('  A short text.  ', 100)).toEqual(['A short text.']);
  });

  it('splits at paragraphs first, merging small ones up to the size', async () => {
    const text = 'First paragraph.\n\nSecond one.\n\nThird paragraph here.';
    expect(await split(text, 30)).toEqual([
      'First paragraph.\n\nSecond one.',
      'Third paragraph here.',
    ]);
  });

  it('splits a long paragraph at words, sharing the overlap between neighbours', async () => {
    const text = 'one two three four five six seven eight nine ten';
    // The overlap keeps the tail of at most 9 characters: "four", "six seven", then "nine"
    // ("eight nine" is 10).
    const chunks = await split(text, 20, 9);
    expect(chunks).toEqual([
      'one two three four',
      'four five six seven',
      'six seven eight nine',
      'nine ten',
    ]);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(20);
  });

  it('cuts a word longer than the size into characters', async () => {
    expect(await split('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('never makes a chunk over the size, and loses no word', async () => {
    const words = Array.from({ length: 500 }, (_, i) => `word${i}`);
    const text = words
      .map((w, i) => (i % 37 === 36 ? `${w}.\n\n` : i % 11 === 10 ? `${w}\n` : `${w} `))
      .join('');
    const chunks = await split(text, 120, 30);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(120);
    const seen = new Set(chunks.flatMap((c) => c.split(/\s+/)).map((w) => w.replace(/\.$/, '')));
    for (const word of words) expect(seen.has(word)).toBe(true);
  });

  it('cuts a long text without separators into windows sharing the overlap, never inside an emoji', async () => {
    const text = 'ab😀'.repeat(2500);
    const chunks = await split(text, 100, 20);
    expect(chunks.join('').length).toBeGreaterThan(text.length);
    for (const [i, chunk] of chunks.entries()) {
      expect(chunk.length).toBeLessThanOrEqual(100);
      expect(chunk).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/u);
      // Each chunk starts with the end of the one before (at most the overlap).
      if (i > 0) expect(chunks[i - 1].slice(-20)).toContain(chunk.slice(0, 16));
    }
  });

  it('cuts a quarter of a megabyte of one letter into windows, each sharing the overlap', async () => {
    const letters = await split('a'.repeat(250_000), 1000, 200);
    expect(letters).toHaveLength(Math.ceil((250_000 - 200) / 800));
    expect(letters.slice(0, -1).every((chunk) => chunk.length === 1000)).toBe(true);
  });

  it('drops chunks that are only white space', async () => {
    expect(await split('\n\n   \n\n', 5)).toEqual([]);
  });

  it('refuses an overlap not smaller than the size, or a size of zero', () => {
    expect(() => new RecursiveTextSplitter({ chunkSize: 10, chunkOverlap: 10 })).toThrow(/smaller/);
    expect(() => new RecursiveTextSplitter({ chunkSize: 0, chunkOverlap: 0 })).toThrow(/positive/);
  });
});
