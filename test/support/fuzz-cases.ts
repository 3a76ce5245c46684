import { gzipSync } from 'node:zlib';
import {
  CONTENT_TYPES,
  HOSTILE_QUERY_VALUES,
  hostileHeaderValues,
  hostileValues,
  MALFORMED_JSON,
  nested,
  parsesAsBody,
  toJson,
  UNKNOWN_ID,
  validBody,
} from './fuzz-values';
import type { BodyProperty, Operation } from './openapi-operations';
import { sendRaw, type RawRequest } from './raw-http';
import { randomBytes } from './seeded-random';

/** Rows the fuzz aims at: the attacker's own, and another user's. */
export interface FuzzIds {
  ownConversation: string;
  ownRun: string;
  victimConversation: string;
  victimRun: string;
}

/** What every case of a fuzz run shares. */
export interface FuzzContext {
  ids: FuzzIds;
  /** The attacker's Authorization header (an admin: admin routes read their input too). */
  attacker: string;
  /** Authorization headers every route that needs a user must refuse. */
  authorizations: Array<string | undefined>;
  /** Seeded: the same cases on every run. */
  random: () => number;
  /** The app's MAX_BODY_BYTES. */
  maxBodyBytes: number;
}

/** One hostile request. */
export interface FuzzCase extends RawRequest {
  label: string;
  /** The one status the case must get, when it is known (another user's id: 404). */
  status?: number;
}

/** Makes a case from the route's valid request, with `change` applied. */
type CaseMaker = (label: string, change?: Partial<FuzzCase>) => FuzzCase;

const JSON_TYPE = { 'Content-Type': 'application/json' };

/**
 * The hostile requests for one route: each changes one thing (a path id, a query value, a header,
 * the token, the content type, the body or one of its fields) of a request the route would accept.
 */
export function casesFor(operation: Operation, context: FuzzContext): FuzzCase[] {
  const { ids, attacker } = context;
  const param = (name: string): string => {
    // A breaker no other route needs, should a case reach it anyway.
    if (name === 'name') return 'tools';
    return operation.template.startsWith('/api/v1/conversations')
      ? ids.ownConversation
      : UNKNOWN_ID;
  };
  const fill = (override: Record<string, string> = {}) =>
    operation.template.replace(/\{(\w+)\}/g, (_, name: string) => override[name] ?? param(name));
  const body = operation.body ? JSON.stringify(validBody(operation.body)) : undefined;
  const make: CaseMaker = (label, change = {}) => ({
    label: `${operation.method} ${operation.template} ${label}`,
    method: operation.method,
    path: fill(),
    headers: { Authorization: attacker, ...(body ? JSON_TYPE : {}) },
    body,
    ...change,
  });
  return [
    ...pathCases(operation, context, make, fill),
    ...queryCases(operation, context, make, fill()),
    ...headerCases(operation, context, make, body),
    ...(['POST', 'PUT', 'PATCH'].includes(operation.method)
      ? envelopeCases(operation, context, make, body)
      : []),
    ...(operation.body ? bodyCases(operation.body, context, make) : []),
  ];
}

function pathCases(
  operation: Operation,
  { ids }: FuzzContext,
  make: CaseMaker,
  fill: (override: Record<string, string>) => string,
): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const name of operation.pathParams) {
    // Unknown ids and another user's are the same 404, so that ids cannot be probed.
    for (const value of [
      UNKNOWN_ID,
      ids.victimConversation,
      ids.victimRun,
      ids.victimConversation.toUpperCase(),
    ]) {
      cases.push(make(`path ${name}=${value}`, { path: fill({ [name]: value }), status: 404 }));
    }
    for (const value of [
      `${ids.victimConversation}%00`,
      'not-a-uuid',
      '%00',
      '%ED%A0%80',
      '%E0%A4%A',
      '%',
      '%2e%2e%2f%2e%2e',
      'x'.repeat(2000),
      'x'.repeat(20_000),
    ]) {
      cases.push(make(`path ${name}=${value.slice(0, 40)}`, { path: fill({ [name]: value }) }));
    }
  }
  return cases;
}

function queryCases(
  operation: Operation,
  { ids }: FuzzContext,
  make: CaseMaker,
  path: string,
): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const name of operation.queryParams) {
    for (const value of [
      ...HOSTILE_QUERY_VALUES,
      `${ids.victimRun}:1`,
      `${ids.ownRun}:2147483648`,
    ]) {
      cases.push(make(`query ${name}=${value.slice(0, 40)}`, { path: `${path}?${name}=${value}` }));
    }
    cases.push(make(`query ${name} twice`, { path: `${path}?${name}=a&${name}=b` }));
  }
  cases.push(make('undeclared query with NUL', { path: `${path}?zz=%00` }));
  return cases;
}

/** The route's declared headers, and the Authorization header. */
function headerCases(
  operation: Operation,
  { ids, attacker, authorizations }: FuzzContext,
  make: CaseMaker,
  body: string | undefined,
): FuzzCase[] {
  const typed = body ? JSON_TYPE : {};
  const cases: FuzzCase[] = [];
  for (const name of operation.headerParams) {
    for (const value of hostileHeaderValues(name, ids.ownRun)) {
      cases.push(
        make(`header ${name}=${value.slice(0, 40)}`, {
          headers: { Authorization: attacker, ...typed, [name]: value },
        }),
      );
    }
  }
  for (const authorization of authorizations) {
    cases.push(
      make(`authorization ${String(authorization).slice(0, 30)}`, {
        headers: { ...(authorization ? { Authorization: authorization } : {}), ...typed },
      }),
    );
  }
  return cases;
}

/** What wraps a body: its content type and encoding, its size, whether it is JSON at all. */
function envelopeCases(
  operation: Operation,
  { attacker, random, maxBodyBytes }: FuzzContext,
  make: CaseMaker,
  body: string | undefined,
): FuzzCase[] {
  const payload = body ?? '{"a":1}';
  const asJson = (label: string, sent: string | Buffer, encoding?: string) =>
    make(label, {
      headers: {
        Authorization: attacker,
        ...JSON_TYPE,
        ...(encoding ? { 'Content-Encoding': encoding } : {}),
      },
      body: sent,
    });
  // A route without a body ignores a well-formed one, as it should: only bad ones are sent.
  const malformed = operation.body
    ? MALFORMED_JSON
    : MALFORMED_JSON.filter((text) => !parsesAsBody(text));
  return [
    ...CONTENT_TYPES.map((headers) =>
      make(`content type ${JSON.stringify(headers)}`, {
        headers: { Authorization: attacker, ...headers },
        body: payload,
      }),
    ),
    asJson('gzip bomb', gzipSync(`{"a":"${'x'.repeat(maxBodyBytes * 16)}"}`), 'gzip'),
    asJson('huge body', JSON.stringify({ ...JSON.parse(payload), pad: 'x'.repeat(maxBodyBytes) })),
    ...malformed.map((text) => asJson(`body ${text.slice(0, 20)}`, text)),
    ...[0, 1, 2, 3].map((i) => asJson(`random bytes #${i}`, randomBytes(random, 64))),
  ];
}

/** The route's valid body with one field spoiled: wrong type, bad text, too long, too deep. */
function bodyCases(
  properties: BodyProperty[],
  { random }: FuzzContext,
  make: CaseMaker,
): FuzzCase[] {
  const valid = validBody(properties);
  const spoiled = (label: string, value: Record<string, unknown>) =>
    make(`body ${label}`, { body: toJson(value) });
  const cases: FuzzCase[] = [];
  for (const property of properties) {
    for (const value of hostileValues(property, random)) {
      cases.push(
        spoiled(`${property.name}=${JSON.stringify(value)?.slice(0, 30)}`, {
          ...valid,
          [property.name]: value,
        }),
      );
    }
    cases.push(
      make(`body ${property.name} 5,000 deep`, { body: `{"${property.name}":${nested(5000)}}` }),
    );
  }
  cases.push(spoiled('unknown field', { ...valid, zz: 1 }));
  cases.push(spoiled('unknown field with NUL', { ...valid, 'z\u0000': 1 }));
  cases.push(spoiled('unknown field with lone surrogate', { ...valid, '\ud800': 1 }));
  return cases;
}

/** Runs the cases `concurrency` at a time; resolves with every answer that breaks a rule. */
export async function runCases(baseUrl: string, cases: FuzzCase[], concurrency: number) {
  const failures: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const fuzz = cases[next++];
      const answer = await sendRaw(baseUrl, { ...fuzz, timeoutMs: 15_000 });
      const refused = answer.status >= 400 && answer.status < 500;
      const problem = /^application\/problem\+json/.test(answer.headers['content-type'] ?? '');
      if (answer.timedOut) failures.push(`${fuzz.label}: no answer within 15 s`);
      else if (answer.status === 0) failures.push(`${fuzz.label}: connection failed`);
      else if (answer.status >= 500)
        failures.push(`${fuzz.label}: ${answer.status} ${answer.body}`);
      else if (fuzz.status !== undefined && answer.status !== fuzz.status)
        failures.push(`${fuzz.label}: ${answer.status} instead of ${fuzz.status}`);
      else if (fuzz.method !== 'GET' && !refused)
        failures.push(
          `${fuzz.label}: accepted (${answer.status}) ${String(fuzz.body).slice(0, 200)}`,
        );
      else if (refused && !problem)
        failures.push(`${fuzz.label}: ${answer.status} is not problem+json`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failures;
}
