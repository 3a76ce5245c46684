import { DomainException } from '../errors/domain.exception';
import { CursorCodec } from './cursor-codec';

describe('CursorCodec', () => {
  const codec = new CursorCodec<{ n: number }>(
    (value): value is { n: number } =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { n: unknown }).n === 'number',
  );

  it('round-trips a position through an opaque URL-safe string', () => {
    const cursor = codec.encode({ n: 42 });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(codec.decode(cursor)).toEqual({ n: 42 });
  });

  it.each([
    ['not base64 JSON', '!!!'],
    ['JSON of the wrong shape', Buffer.from('{"n":"x"}').toString('base64url')],
    ['JSON null', Buffer.from('null').toString('base64url')],
  ])('refuses %s with a 400 naming the cursor', (_, cursor) => {
    expect.assertions(3);
    try {
      codec.decode(cursor);
    } catch (error) {
      expect(error).toBeInstanceOf(DomainException);
      expect((error as DomainException).status).toBe(400);
      expect((error as DomainException).options.errors?.[0].field).toBe('cursor');
    }
  });
});
