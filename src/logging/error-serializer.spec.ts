import { QueryFailedError } from 'typeorm';
import { serializeError } from './error-serializer';

/** A driver error as `pg` raises it, with PostgreSQL's fields. */
function pgError(code: string, message: string, detail: string): Error {
  return Object.assign(new Error(message), { code, detail, severity: 'ERROR' });
}

describe('serializeError', () => {
  it('keeps type, message, stack, code and the SQL text, and drops parameters and row values', () => {
    const error = new QueryFailedError(
      'INSERT INTO conversations (user_id, title) VALUES ($1, $2)',
      ['alice', 'my secret title'],
      pgError(
        '23514',
        'new row violates check constraint "c"',
        'Failing row contains (alice, my secret title).',
      ),
    );

    const serialized = serializeError(error) as Record<string, unknown>;

    expect(serialized).toMatchObject({
      type: 'QueryFailedError',
      message: 'new row violates check constraint "c"',
      code: '23514',
      query: 'INSERT INTO conversations (user_id, title) VALUES ($1, $2)',
    });
    expect(serialized.stack).toMatch(/\n\s+at /);
    expect(JSON.stringify(serialized)).not.toContain('secret');
  });

  it('redacts the value PostgreSQL quotes in a data exception message', () => {
    const error = new QueryFailedError(
      'SELECT $1::uuid',
      ['not-a-uuid-secret'],
      pgError('22P02', 'invalid input syntax for type uuid: "not-a-uuid-secret"', ''),
    );

    const serialized = serializeError(error) as Record<string, unknown>;

    expect(serialized.message).toBe('invalid input syntax for type uuid: "[redacted]"');
    expect(JSON.stringify(serialized)).not.toContain('secret');
  });

  it('cleans nested errors and leaves anything that is not an error alone', () => {
    const inner = new QueryFailedError(
      'SELECT 1',
      ['nested-secret'],
      pgError('23505', 'duplicate', 'Key (k)=(nested-secret) exists.'),
    );
    const outer = Object.assign(new Error('wrapper'), { inner });

    expect(JSON.stringify(serializeError(outer))).not.toContain('nested-secret');
    expect(serializeError('just text')).toBe('just text');
    expect(serializeError({ a: 1 })).toEqual({ a: 1 });
  });
});
