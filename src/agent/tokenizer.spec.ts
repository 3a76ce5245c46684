import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { countMessageTokens, countMessagesTokens, countTokens } from './tokenizer';

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

describe('countMessageTokens', () => {
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
