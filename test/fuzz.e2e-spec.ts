import request from 'supertest';
import { casesFor, runCases, type FuzzContext } from './support/fuzz-cases';
import { hostileAuthorizations } from './support/fuzz-values';
import { expressRoutes, operationsOf, type OpenApiDocument } from './support/openapi-operations';
import { seededRandom } from './support/seeded-random';
import { tableSnapshots, type TableSnapshot, type TableSnapshots } from './support/table-snapshot';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

/**
 * Every route of the OpenAPI document gets a fixed, seeded set of hostile requests: wrong path ids
 * (unknown, another user's, not ids at all), NUL and lone surrogates, malformed and deep JSON, wrong
 * types, huge bodies, wrong content types, forged cursors and event ids, bad tokens. Each request
 * changes one thing of a valid request, so none may succeed: no answer may be a 5xx, none may hang,
 * every refusal is problem+json, and no row of any table may change.
 */

const MAX_BODY_BYTES = 65_536;
/** Routes Express serves that are not API operations (Swagger UI and its document). */
const NOT_IN_DOCUMENT = /^GET \/docs/;

// Over a thousand requests: seconds on a quiet machine, minutes when both cores are busy.
jest.setTimeout(300_000);

describe('Fuzz: every route refuses hostile input with a 4xx and stores nothing (e2e)', () => {
  let t: TestApp;
  let tables: TableSnapshots;
  let ids: FuzzContext['ids'];
  let attacker: string;
  let document: OpenApiDocument;

  beforeAll(async () => {
    t = await startTestApp({
      LOCAL_MODEL_TOKEN_DELAY_MS: '0',
      RATE_LIMIT_MAX: '0',
      MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    });
    const victor = `Bearer ${await tokenFor('victor')}`;
    // The attacker is an admin, so that admin-only routes get as far as reading their input.
    attacker = `Bearer ${await tokenFor('mallory', { roles: ['admin'] })}`;
    const conversationWithRun = async (auth: string) => {
      const id = (
        await request(t.server)
          .post('/api/v1/conversations')
          .set('Authorization', auth)
          .send({ title: 't', metadata: { k: 'v' } })
          .expect(201)
      ).body.id as string;
      await request(t.server)
        .post(`/api/v1/conversations/${id}/messages`)
        .set('Authorization', auth)
        .send({ content: 'hello' })
        .expect(201);
      const events = await request(t.server)
        .get(`/api/v1/conversations/${id}/events`)
        .set('Authorization', auth)
        .expect(200);
      return { id, run: (events.body.events as Array<{ run_id: string }>)[0].run_id };
    };
    const victim = await conversationWithRun(victor);
    const own = await conversationWithRun(attacker);
    ids = {
      ownConversation: own.id,
      ownRun: own.run,
      victimConversation: victim.id,
      victimRun: victim.run,
    };
    await request(t.server)
      .post('/api/v1/knowledge/documents')
      .set('Authorization', attacker)
      .send({ title: 'Refunds', content: 'Purchases can be refunded within 30 days.' })
      .expect(201);
    document = (await request(t.server).get('/docs-json').expect(200)).body as OpenApiDocument;
    tables = await tableSnapshots(t.databaseUrl);
  });
  afterAll(async () => {
    await tables.close();
    await t.close();
  });

  const breakerStates = async (auth: string) =>
    (
      await request(t.server)
        .get('/api/v1/resilience/circuit-breakers')
        .set('Authorization', auth)
        .expect(200)
    ).body as Array<{ name: string; state: string }>;

  it('covers every route the server serves', () => {
    const documented = new Set(operationsOf(document).map((o) => `${o.method} ${o.template}`));
    const served = expressRoutes(t.app.getHttpAdapter().getInstance()).filter(
      (route) => !NOT_IN_DOCUMENT.test(route),
    );
    expect(served.length).toBeGreaterThan(20);
    expect(served.filter((route) => !documented.has(route))).toEqual([]);
  });

  it('answers no hostile request with a 5xx, a hang or a success, and changes no row', async () => {
    const context: FuzzContext = {
      ids,
      attacker,
      authorizations: await hostileAuthorizations(),
      random: seededRandom(0x5eed),
      maxBodyBytes: MAX_BODY_BYTES,
    };
    let before: TableSnapshot = await tables.take();
    const failures: string[] = [];
    let sent = 0;
    for (const operation of operationsOf(document)) {
      const cases = casesFor(operation, context);
      sent += cases.length;
      failures.push(...(await runCases(t.baseUrl, cases, 4)));
      const after = await tables.take();
      const changed = Object.keys(after).filter(
        (table) => JSON.stringify(after[table]) !== JSON.stringify(before[table]),
      );
      if (changed.length > 0) {
        failures.push(
          `${operation.method} ${operation.template}: rows changed in ${changed.join(', ')}`,
        );
        before = after;
      }
      // Bad input is the caller's fault: it must never open a circuit for everyone else.
      for (const breaker of await breakerStates(attacker)) {
        if (breaker.state === 'CLOSED') continue;
        failures.push(
          `${operation.method} ${operation.template}: left breaker ${breaker.name} ${breaker.state}`,
        );
        await request(t.server)
          .post(`/api/v1/resilience/circuit-breakers/${breaker.name}/reset`)
          .set('Authorization', attacker)
          .expect(200);
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(1000);
    await request(t.server).get('/health').expect(200);
  });
});
