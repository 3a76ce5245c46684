import { SignJWT } from 'jose';
import type { BodyProperty } from './openapi-operations';
import { randomText } from './seeded-random';
import { TEST_JWT_SECRET, tokenFor } from './test-app';

/*
 * The hostile inputs the fuzz e2e sends. Outside a GET each must be refused wherever it is read: a
 * value some route would accept does not belong here (the fuzz reports it as "accepted").
 */

/** An id no row has. */
export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** A cursor as the list endpoints encode them, around any position. */
export const cursorOf = (position: unknown) =>
  Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
/** Arrays nested `depth` deep. */
export const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** Cursors this service never hands out: each must be a 400. */
export const FORGED_CURSORS = [
  cursorOf({ t: '1', i: UNKNOWN_ID }),
  cursorOf({ t: '2030 12', i: UNKNOWN_ID }),
  cursorOf({ t: '2024-02-30T00:00:00Z', i: UNKNOWN_ID }),
  cursorOf({ t: '+275760-09-13T00:00:00.000Z', i: UNKNOWN_ID }),
  cursorOf({ t: '2024-01-01T00:00:00.000Z', i: 'x\u0000' }),
  cursorOf({ s: 2147483648 }),
  cursorOf({ s: -1 }),
  cursorOf({ s: 1e300 }),
  cursorOf({ s: '1' }),
  cursorOf(null),
  cursorOf(nested(300)),
  'not*base64',
];
/** Query values (percent-encoded): refused, or harmless on a GET (a search for "-1" is fine). */
export const HOSTILE_QUERY_VALUES = [
  '%00',
  'a%00b',
  '%ED%A0%80',
  '%E0%A4%A',
  '%',
  'x'.repeat(3000),
  '-1',
  '1e400',
  '99999999999999999999',
  'NaN',
  ...FORGED_CURSORS,
];
/** Bodies that are not JSON, not a JSON object, or nested past any limit. */
export const MALFORMED_JSON = [
  '{',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  '{"a":"\\x"}',
  '{"a":"\\u12"}',
  'nul',
  'null',
  '1',
  '"text"',
  'true',
  '[]',
  '[{}]',
  '\u0000',
  nested(5000),
  '{"a":'.repeat(5000) + '1' + '}'.repeat(5000),
];
/** Content types and encodings a JSON body must not be accepted with. */
export const CONTENT_TYPES: Array<Record<string, string>> = [
  { 'Content-Type': 'text/plain' },
  { 'Content-Type': 'application/x-www-form-urlencoded' },
  { 'Content-Type': 'multipart/form-data; boundary=x' },
  { 'Content-Type': 'application/xml' },
  { 'Content-Type': 'application/json; charset=utf-16' },
  { 'Content-Type': 'application/json; charset=latin1' },
  { 'Content-Type': 'application/json; charset=bogus' },
  { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
  { 'Content-Type': 'application/json', 'Content-Encoding': 'compress' },
  {},
];

async function signed(claims: Record<string, unknown>, expiresIn: string | number = '1h') {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

/** Authorization headers that must all be refused (401) on every route that needs a user. */
export async function hostileAuthorizations(): Promise<Array<string | undefined>> {
  const [header, , signature] = (await tokenFor('mallory')).split('.');
  return [
    undefined,
    'Bearer',
    'Bearer not.a.jwt',
    `Basic ${Buffer.from('a:b').toString('base64')}`,
    `Bearer ${await signed({ sub: 'eve\u0000' })}`,
    `Bearer ${await signed({ sub: 'eve\ud800' })}`,
    `Bearer ${await signed({ sub: 'x'.repeat(256) })}`,
    `Bearer ${await signed({ sub: 42 })}`,
    `Bearer ${await signed({ sub: 'eve' }, Math.floor(Date.now() / 1000) - 60)}`,
    `Bearer ${header}.${Buffer.from('{"sub":"victor"}').toString('base64url')}.${signature}`,
    `Bearer ${'a'.repeat(8000)}`,
  ];
}

/** Values of each header a route reads that must be refused; unknown headers get the generic ones. */
export function hostileHeaderValues(name: string, ownRun: string): string[] {
  const generic = ['', ' ', 'a b', 'é', 'x'.repeat(300)];
  switch (name.toLowerCase()) {
    case 'last-event-id':
      return [
        // Empty, or white space (which HTTP trims away), is no Last-Event-ID at all: valid.
        ...generic.filter((value) => value.trim() !== ''),
        `${ownRun}:2147483648`,
        `${ownRun}:99999999999`,
        `${ownRun}:-1`,
        `${ownRun}:1.5`,
        `${ownRun}:`,
        ':1',
      ];
    default:
      return generic;
  }
}

/**
 * Valid values of required array properties, by name: the items' shape is not in
 * {@link BodyProperty}, and a body refused for them would never reach the route's 404.
 */
const VALID_ARRAYS: Record<string, unknown[]> = {
  decisions: [{ tool_call_id: 'call_fuzz', decision: 'approve' }],
};

/** A body the route accepts, which each case then spoils in one place. */
export function validBody(properties: BodyProperty[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const property of properties) {
    if (!property.required) continue;
    body[property.name] =
      property.type === 'array'
        ? (VALID_ARRAYS[property.name] ?? [])
        : property.type === 'object'
          ? {}
          : property.format === 'uuid'
            ? '00000000-0000-4000-8000-00000000f022'
            : 'hello fuzz';
  }
  return body;
}

/** Stands for a number JSON can write but JavaScript cannot keep (1e400 parses as Infinity). */
export const RAW_NUMBER = Symbol('1e400');

/** Values of the property's type that must be refused, and values of the wrong type. */
export function hostileValues(property: BodyProperty, random: () => number): unknown[] {
  const lone = () => `${randomText(random, 8)}\ud800x${randomText(random, 8)}`;
  const common = [1, 1.5, true, [], ['a'], 'a\u0000b', '\ud800', '\udc00', lone(), RAW_NUMBER];
  switch (property.type ?? '') {
    case 'object':
      return [
        'x',
        1,
        true,
        [],
        [1],
        { 'a\u0000': 1 },
        { a: 'b\u0000' },
        { a: { b: ['\ud800'] } },
        { '\udc00': 1 },
        { blob: 'x'.repeat(17 * 1024) },
        ...(property.required ? [null] : []),
      ];
    case 'string':
    default:
      return [
        ...common,
        {},
        { a: 1 },
        ...(property.nullable ? [] : [null]),
        ...(property.required ? ['', '   ', '\n\t'] : []),
        ...(property.maxLength ? ['x'.repeat(property.maxLength + 1)] : []),
      ];
  }
}

/** JSON text of the value, with {@link RAW_NUMBER} written as 1e400. */
export function toJson(value: Record<string, unknown>): string {
  return JSON.stringify(value, (_, v: unknown) => (v === RAW_NUMBER ? '\u0001raw' : v)).replace(
    /"\\u0001raw"/g,
    '1e400',
  );
}

/** Whether the text is well-formed JSON of an object or array. */
export function parsesAsBody(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}
