import { nestsDeeperThan } from './json-nesting';

const depthOf = (text: string) => Buffer.from(text, 'utf8');

describe('nestsDeeperThan', () => {
  it.each([
    ['{}', 1],
    ['[[[]]]', 3],
    ['{"a":{"b":[1,{"c":[]}]}}', 5],
    ['[{}, {}, [[]]]', 3],
  ])('measures %s as %i deep', (text, depth) => {
    expect(nestsDeeperThan(depthOf(text), depth)).toBe(false);
    expect(nestsDeeperThan(depthOf(text), depth - 1)).toBe(true);
  });

  it.each([
    ['brackets inside strings', '{"a":"[[[[{{{{"}'],
    ['escaped quotes', '{"a":"\\"[[[[\\"","b":"\\\\"}'],
    ['multi-byte characters', '{"é😀":"[[[😀"}'],
  ])('does not count %s', (_, text) => {
    expect(nestsDeeperThan(depthOf(text), 1)).toBe(false);
  });

  it('counts brackets after a string ending in an escaped backslash', () => {
    expect(nestsDeeperThan(depthOf('{"a":"\\\\","b":[[]]}'), 2)).toBe(true);
  });

  it('stops at the first level too deep, whatever follows', () => {
    expect(nestsDeeperThan(depthOf('['.repeat(5000)), 32)).toBe(true);
  });

  it('leaves malformed text to the parser', () => {
    expect(nestsDeeperThan(depthOf('{"a":"[[[[[['), 1)).toBe(false);
    expect(nestsDeeperThan(depthOf(']]]]'), 1)).toBe(false);
  });

  it('reads a view into a larger buffer from its own offset', () => {
    const whole = Buffer.from('[[[[{}]]]]');
    expect(nestsDeeperThan(whole.subarray(4, 6), 1)).toBe(false);
  });

  it('scans a 256 KiB body in well under the event-loop budget', () => {
    const body = Buffer.from(JSON.stringify({ content: 'x'.repeat(256 * 1024), list: [1, 2] }));
    const started = performance.now();
    for (let i = 0; i < 10; i++) nestsDeeperThan(body, 32);
    expect((performance.now() - started) / 10).toBeLessThan(20);
  });
});
