import { readFileSync } from 'node:fs';
import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { BpeTokenCounter } from './bpe-token-counter';

/** A deterministic generator, so that a failure can be replayed. */
function randomText(seed: number, alphabet: readonly string[], length: number): string {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  return Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
}

describe('BpeTokenCounter', () => {
  const counter = new BpeTokenCounter(o200kBase);
  const reference = new Tiktoken(o200kBase);
  const exact = (text: string) => reference.encode(text, [], []).length;

  it("counts exactly as js-tiktoken's encode, on this repository's docs and code", () => {
    for (const file of ['README.md', 'docs/API.md', 'src/agent/tokenizer.ts', 'package.json']) {
      const text = readFileSync(file, 'utf8');
      for (let start = 0; start < text.length; start += 2000) {
        const piece = text.slice(start, start + 2000);
        expect([file, start, counter.count(piece)]).toEqual([file, start, exact(piece)]);
      }
    }
  });

  it.each([
    ['letters and spaces', [...'abcdefghij ']],
    ['mixed scripts', [...'aB1!漢😀 é\n\t']],
    ['CJK', [...'漢字仮名交じり文の日本語テキスト中文字符 ']],
    ['emoji', ['😀', '🎉', '👍🏽', '🚀', ' ', '\u200d']],
    ['contractions', [..."'sSdtTreREvVmMlL "]],
    ['white space', [' ', '\n', '\t', '\r\n', '\u00a0']],
    ['lone surrogates', ['\ud800', '\udc00', 'x', ' ']],
    ['special-token markers', ['<|endoftext|>', '<|fim_prefix|>', 'a', ' ']],
  ])('counts exactly as js-tiktoken on random %s', (_, alphabet) => {
    for (let seed = 1; seed <= 40; seed += 1) {
      const text = randomText(seed, alphabet, 20 + seed * 5);
      expect([seed, counter.count(text)]).toEqual([seed, exact(text)]);
    }
  });

  it('counts a run without spaces exactly, where js-tiktoken is quadratic', () => {
    // js-tiktoken takes ~20 ms for 512 "a" and doubles the length four times the time.
    for (const text of ['a'.repeat(512), '漢字'.repeat(128), '('.repeat(300)]) {
      expect(counter.count(text)).toBe(exact(text));
    }
  });

  it('does work in proportion to the text, not its square', () => {
    // Rank look-ups are the work: four times the text must not cost sixteen times as many.
    const lookups = (text: string) => {
      const get = jest.spyOn(Map.prototype, 'get');
      const has = jest.spyOn(Map.prototype, 'has');
      counter.count(text);
      const calls = get.mock.calls.length + has.mock.calls.length;
      get.mockRestore();
      has.mockRestore();
      return calls;
    };
    for (const unit of ['a', '漢字仮名', '😀', ' )', 'xq']) {
      const short = lookups(unit.repeat(2000 / unit.length));
      const long = lookups(unit.repeat(8000 / unit.length));
      expect({ unit, ratio: long / short }).toEqual({ unit, ratio: expect.any(Number) });
      expect(long / short).toBeGreaterThan(2);
      expect(long / short).toBeLessThan(6);
    }
  });
});
