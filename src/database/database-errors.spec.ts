import {
  classifyDatabaseError,
  describeDatabaseError,
  isTransientDatabaseError,
} from './database-errors';

const poolExhausted = () => new Error('timeout exceeded when trying to connect');

describe('database errors', () => {
  it.each([
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    [{ message: 'query failed', driverError: { code: '57P01', message: 'terminating' } }],
    [
      Object.assign(new Error('wrapped'), {
        cause: new Error('Connection terminated unexpectedly'),
      }),
    ],
  ])('answers 503 database_unavailable with Retry-After 5 when unreachable (%#)', (error) => {
    expect(describeDatabaseError(error)).toMatchObject({
      status: 503,
      code: 'database_unavailable',
      headers: { 'Retry-After': '5' },
    });
    expect(classifyDatabaseError(error)).toBe('failure');
    expect(isTransientDatabaseError(error)).toBe(true);
  });

  it('answers a busy pool 503 service_unavailable with Retry-After 1, not counted by the breaker', () => {
    expect(describeDatabaseError(poolExhausted())).toMatchObject({
      status: 503,
      code: 'service_unavailable',
      headers: { 'Retry-After': '1' },
    });
    expect(classifyDatabaseError(poolExhausted())).toBe('ignored');
  });

  it('leaves the caller its other errors (a constraint violation)', () => {
    const uniqueViolation = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(describeDatabaseError(uniqueViolation)).toBeUndefined();
    expect(classifyDatabaseError(uniqueViolation)).toBe('ignored');
    expect(isTransientDatabaseError(uniqueViolation)).toBe(false);
  });
});
