import { isCursorTimestamp, isInt4, MAX_INT4 } from './cursor-fields';

describe('cursor fields', () => {
  it.each(['2024-02-29T23:59:59.999Z', '0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z'])(
    'accepts the timestamp %s',
    (value) => {
      expect(isCursorTimestamp(value)).toBe(true);
    },
  );

  it.each([
    '1',
    '2030 12',
    '2024-02-30T00:00:00Z',
    '2024-02-30T00:00:00.000Z',
    '2023-02-29T00:00:00.000Z',
    '2024-01-01T24:00:00.000Z',
    '+275760-09-13T00:00:00.000Z',
    '0000-01-01T00:00:00.000Z',
    '2024-01-01T00:00:00.000+01:00',
    '2024-01-01T00:00:00.000Z\u0000',
    42,
    null,
  ])('refuses the timestamp %p', (value) => {
    expect(isCursorTimestamp(value)).toBe(false);
  });

  it('bounds integers to an int4 column', () => {
    expect(isInt4(0)).toBe(true);
    expect(isInt4(MAX_INT4)).toBe(true);
    for (const value of [MAX_INT4 + 1, -1, 1.5, Number.NaN, Infinity, '1', 1e300]) {
      expect(isInt4(value)).toBe(false);
    }
    expect(isInt4(-5, -10)).toBe(true);
  });
});
