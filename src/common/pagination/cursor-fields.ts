/** Largest value of a PostgreSQL `integer` (int4) column. */
export const MAX_INT4 = 2_147_483_647;

// Exactly what the list queries hand out (`timestamptz(3)` as UTC, like Date#toISOString()).
const ISO_UTC_MILLIS = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A timestamp as this service writes it in cursors, and one PostgreSQL accepts. `Date.parse` alone
 * lets through strings PostgreSQL refuses ("1", "2030 12", "2024-02-30T00:00:00Z", which it rolls
 * over to March): the text must be the strict shape, name a real calendar instant (it survives a
 * round trip unchanged) and fall in years 1 to 9999 (PostgreSQL has no year 0).
 */
export function isCursorTimestamp(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = ISO_UTC_MILLIS.exec(value);
  if (!match || match[1] === '0000') return false;
  const time = Date.parse(value);
  return !Number.isNaN(time) && new Date(time).toISOString() === value;
}

/** An integer that fits an int4 column, from `min` (default 0). */
export function isInt4(value: unknown, min = 0): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= MAX_INT4;
}
