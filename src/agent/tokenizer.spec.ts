import { readFileSync } from 'node:fs';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { Tiktoken } from 'js-tiktoken/lite';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { BpeTokenCounter } from './bpe-token-counter';
import {
  countMessageTokens,
  countMessagesTokens,
  countTokens,
  rememberMessageTokens,
} from './tokenizer';

const reference = new Tiktoken(o200kBase);
const exact = (text: string) => reference.encode(text, [], []).length;
/** The same count (see bpe-token-counter.spec.ts), without js-tiktoken's quadratic time. */
const exactFast = (text: string) => new BpeTokenCounter(o200kBase).count(text);
const docs = readFileSync('docs/API.md', 'utf8') + readFileSync('README.md', 'utf8');

/** Characters the tokenizer encoded while `work` ran. */
function charactersCounted(work: () => void): number {
  const count = jest.spyOn(BpeTokenCounter.prototype, 'count');
  try {
    work();
    return count.mock.calls.reduce((sum, [text]) => sum + text.length, 0);
  } finally {
    count.mockRestore();
  }
}

describe('countTokens', () => {
  it('counts with the o200k_base encoding', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('hello world')).toBe(2);
    expect(countTokens('The result is 84.')).toBe(6);
  });

  it('counts special-token markers as text instead of throwing', () => {
    expect(countTokens('a <|endoftext|> b')).toBeGreaterThan(3);
  });

  it('grows with the text', () => {
    const short = countTokens('word '.repeat(10));
    expect(countTokens('word '.repeat(100))).toBeGreaterThan(short * 5);
  });

  it('gives the same count for a short text whether remembered or not, past the cache bound too', () => {
    const first = countTokens('The result is 84.');
    for (let i = 0; i < 25_000; i += 1) countTokens(`word${i} `);
    expect(countTokens('The result is 84.')).toBe(first);
    expect(countTokens('word24999 ')).toBe(countTokens('word24999 '));
  });
});

describe('countTokens on long texts', () => {
  it('counts a text of up to 1,024 characters exactly', () => {
    for (let start = 0; start < 20_000; start += 997) {
      const text = docs.slice(start, start + 1024);
      expect([start, countTokens(text)]).toEqual([start, exact(text)]);
    }
  });

  it('estimates a longer text close to the exact count', () => {
    const errors: number[] = [];
    for (const length of [1500, 5000, 32_000]) {
      for (let start = 0; start + length <= docs.length; start += 2001) {
        const text = docs.slice(start, start + length);
        errors.push(Math.abs(countTokens(text) / exact(text) - 1));
      }
    }
    errors.sort((a, b) => a - b);
    expect(errors[Math.floor(errors.length / 2)]).toBeLessThan(0.08);
    // The worst are Markdown tables, whose long runs of padding the windows cut.
    expect(errors.at(-1)).toBeLessThan(0.3);
  });

  it('encodes at most ~1,000 characters of a text however long it is', () => {
    const hostile = ['a'.repeat(32_000), '漢字'.repeat(16_000), ' )'.repeat(16_000), docs];
    for (const text of hostile) {
      const counted = charactersCounted(() => countTokens(text));
      const tenTimes = charactersCounted(() => countTokens(text.repeat(10)));
      expect(counted).toBeLessThanOrEqual(1100);
      expect(tenTimes).toBeLessThanOrEqual(1100);
    }
  });

  it('estimates a run without spaces close to its exact count', () => {
    // 32,000 "a" is exactly 4,000 tokens; js-tiktoken took ~105 s to say so.
    expect(countTokens('a'.repeat(32_000))).toBe(4000);
    const cjk = '漢字仮名交じり文の日本語'.repeat(400);
    expect(Math.abs(countTokens(cjk) / exactFast(cjk) - 1)).toBeLessThan(0.15);
  });
});

describe('countMessageTokens', () => {
  it('counts a message once, however often it is asked', () => {
    const message = new HumanMessage(docs.slice(0, 600));
    const first = countMessageTokens(message);
    expect(charactersCounted(() => countMessageTokens(message))).toBe(0);
    expect(countMessageTokens(message)).toBe(first);
  });

  it('takes a count remembered for the message instead of counting it', () => {
    const message = new HumanMessage(docs.slice(0, 600));
    rememberMessageTokens(message, 1234);
    expect(charactersCounted(() => countMessageTokens(message))).toBe(0);
    expect(countMessageTokens(message)).toBe(1234 + 4);
  });

  it('adds a per-message overhead to the text', () => {
    expect(countMessageTokens(new HumanMessage('hello world'))).toBe(2 + 4);
  });

  it('counts the tool calls of an assistant message', () => {
    const call = new AIMessage({
      content: '',
      tool_calls: [{ id: 'c1', name: 'calculator', args: { expression: '1 + 2' } }],
    });
    expect(countMessageTokens(call)).toBe(
      4 + countTokens('calculator') + countTokens('{"expression":"1 + 2"}'),
    );
  });

  it('sums a list', () => {
    const messages = [new HumanMessage('hello world'), new AIMessage('hi')];
    expect(countMessagesTokens(messages)).toBe(6 + 5);
  });
});
