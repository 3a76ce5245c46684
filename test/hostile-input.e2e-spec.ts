import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { cursorOf, nested, UNKNOWN_ID } from './support/fuzz-values';
import { expectRawProblem } from './support/problem';
import { exchangeRaw, sendRaw, type RawAnswer } from './support/raw-http';
import { tableSnapshots, type TableSnapshot, type TableSnapshots } from './support/table-snapshot';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

const LIST = '/api/v1/conversations';
/** Characters PostgreSQL refuses in text (NUL) or jsonb (both), valid in JSON and JS strings. */
const HOSTILE = [
  ['a NUL', 'a\u0000b'],
  ['a lone high surrogate', 'a\ud800b'],
  ['a lone low surrogate', '\udc00'],
] as const;

describe('Hostile input is a 4xx that stores nothing (e2e)', () => {
  let t: TestApp;
  let tables: TableSnapshots;
  let auth: string;
  let admin: string;
  let id: string;
  let before: TableSnapshot;

  const send = (
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = { 'Content-Type': 'application/json' },
  ): Promise<RawAnswer> =>
    sendRaw(t.baseUrl, {
      method,
      path,
      body,
      headers: { Authorization: path.includes('/knowledge/') ? admin : auth, ...headers },
      timeoutMs: 10_000,
    });

  beforeAll(async () => {
    t = await startTestApp({ LOCAL_MODEL_TOKEN_DELAY_MS: '0' });
    auth = `Bearer ${await tokenFor('frank')}`;
    admin = `Bearer ${await tokenFor('root', { roles: ['admin'] })}`;
    id = (await request(t.server).post(LIST).set('Authorization', auth).send({ title: 'mine' }))
      .body.id;
    await request(t.server)
      .post(`${LIST}/${id}/messages`)
      .set('Authorization', auth)
      .send({ content: 'hello' })
      .expect(201);
    tables = await tableSnapshots(t.databaseUrl);
  });
  beforeEach(async () => {
    before = await tables.take();
  });
  afterEach(async () => {
    expect(await tables.take()).toEqual(before);
    await request(t.server).get('/health').expect(200);
  });
  afterAll(async () => {
    await tables.close();
    await t.close();
  });

  describe.each(HOSTILE)('a string with %s', (_, text) => {
    it.each([
      ['POST', LIST, { title: text }, 'title'],
      ['POST', LIST, { metadata: { tags: ['ok', text] } }, 'metadata.tags.1'],
      ['POST', LIST, { metadata: { [text]: 1 } }, `metadata.${text}`],
      ['PATCH', `${LIST}/{id}`, { title: text }, 'title'],
      ['PATCH', `${LIST}/{id}`, { metadata: { a: { b: text } } }, 'metadata.a.b'],
      ['POST', `${LIST}/{id}/messages`, { content: text }, 'content'],
      ['POST', `${LIST}/{id}/stream`, { content: text }, 'content'],
      ['POST', '/api/v1/knowledge/documents', { title: 'T', content: text }, 'content'],
      ['POST', '/api/v1/knowledge/documents', { title: text, content: 'c' }, 'title'],
      [
        'POST',
        '/api/v1/knowledge/documents',
        { title: 'T', content: 'c', metadata: { source: text } },
        'metadata.source',
      ],
    ])('is refused with 400 in %s %s %j', async (method, path, body, field) => {
      const answer = await send(method, path.replace('{id}', id), JSON.stringify(body));
      const problem = expectRawProblem(answer, 400, 'validation_failed');
      // The field is named, with the offending characters replaced so the answer is clean text.
      const safeField = field.replaceAll('\u0000', '\ufffd').replace(/[\ud800-\udfff]/g, '\ufffd');
      expect(problem.errors).toEqual([{ field: safeField, message: expect.any(String) }]);
    });
  });

  it.each([
    ['/api/v1/knowledge/search?q=a%00b', 'q'],
    [`${LIST}?cursor=%00`, 'cursor'],
    [`${LIST}/{id}/events?after=%00`, 'after'],
    [`${LIST}/{id}/stream?format=sse%00`, 'format'],
  ])('answers 400 to a NUL in the query %s', async (path, field) => {
    const answer = await send('GET', path.replace('{id}', id));
    const problem = expectRawProblem(answer, 400, 'validation_failed');
    expect(problem.errors).toEqual([{ field, message: expect.any(String) }]);
  });

  it.each([
    ['t = "1"', { t: '1', i: UNKNOWN_ID }],
    ['t = "2030 12"', { t: '2030 12', i: UNKNOWN_ID }],
    ['t = "2024-02-30T00:00:00Z"', { t: '2024-02-30T00:00:00Z', i: UNKNOWN_ID }],
    ['t = "2024-02-30T00:00:00.000Z"', { t: '2024-02-30T00:00:00.000Z', i: UNKNOWN_ID }],
    ['t beyond PostgreSQL', { t: '+275760-09-13T00:00:00.000Z', i: UNKNOWN_ID }],
    ['t in year 0', { t: '0000-01-01T00:00:00.000Z', i: UNKNOWN_ID }],
  ])('answers 400 to a forged conversation cursor with %s', async (_, position) => {
    const answer = await send('GET', `${LIST}?cursor=${cursorOf(position)}`);
    expectRawProblem(answer, 400, 'invalid_cursor');
  });

  it.each([2147483648, -1, 1.5, 1e300, '1'])(
    'answers 400 to a forged message cursor with s = %p',
    async (s) => {
      const answer = await send('GET', `${LIST}/${id}/messages?cursor=${cursorOf({ s })}`);
      expectRawProblem(answer, 400, 'invalid_cursor');
    },
  );

  it('still pages with the cursors it hands out', async () => {
    const conversations = await send('GET', `${LIST}?limit=1`);
    expect(conversations.status).toBe(200);
    const messages = await send('GET', `${LIST}/${id}/messages?limit=1`);
    const { next_cursor } = JSON.parse(messages.body) as { next_cursor: string };
    const second = await send('GET', `${LIST}/${id}/messages?limit=1&cursor=${next_cursor}`);
    expect(JSON.parse(second.body).items).toHaveLength(1);
  });

  it.each([
    ['a 5,000-deep array as the body', nested(5000)],
    ['5,000-deep metadata', `{"metadata":${nested(5000)}}`],
    ['metadata one level too deep', `{"metadata":{"a":${nested(31)}}}`],
    ['5,000-deep objects', '{"a":'.repeat(5000) + '1' + '}'.repeat(5000)],
  ])('answers 400 to %s, before validation', async (_, body) => {
    for (const [method, path] of [
      ['POST', LIST],
      ['PATCH', `${LIST}/${id}`],
      ['POST', `${LIST}/${id}/messages`],
    ]) {
      const problem = expectRawProblem(await send(method, path, body), 400, 'validation_failed');
      expect(problem.errors).toEqual([{ field: 'body', message: expect.stringMatching(/32/) }]);
    }
  });

  it('accepts metadata nested up to the limit', async () => {
    const answer = await send('PATCH', `${LIST}/${id}`, `{"metadata":{"a":${nested(30)}}}`);
    expect(answer.status).toBe(200);
    // Put back as it was, so that this test too leaves every row as it found it.
    await send('PATCH', `${LIST}/${id}`, '{"metadata":{}}');
    before = await tables.take();
  });

  it.each([
    ['text/plain', { 'Content-Type': 'text/plain' }, '{"title":"x"}'],
    ['a form', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'title=x'],
    ['no content type', {}, '{"title":"x"}'],
    ['JSON in UTF-16', { 'Content-Type': 'application/json; charset=utf-16' }, '{}'],
    ['chunked with no content type', { 'Transfer-Encoding': 'chunked' }, '{"title":"x"}'],
  ])('answers 415 to a body sent as %s', async (_, headers, body) => {
    for (const [method, path] of [
      ['POST', LIST],
      ['PATCH', `${LIST}/${id}`],
      ['POST', `${LIST}/${id}/messages`],
      ['POST', `${LIST}/${id}/cancel`],
    ]) {
      expectRawProblem(await send(method, path, body, headers), 415, 'unsupported_media_type');
    }
  });

  it('answers 415 to a JSON body that is not UTF-8 on any method, and ignores other bodies of a GET', async () => {
    const body = Buffer.from('{}', 'utf16le');
    // node:http sends no Content-Length for a GET or DELETE body unless told.
    const utf16 = {
      'Content-Type': 'application/json; charset=utf-16le',
      'Content-Length': String(body.length),
    };
    for (const [method, path] of [
      ['GET', LIST],
      ['DELETE', `${LIST}/${UNKNOWN_ID}`],
    ]) {
      const answer = await sendRaw(t.baseUrl, {
        method,
        path,
        headers: { Authorization: auth, ...utf16 },
        body,
      });
      expectRawProblem(answer, 415, 'unsupported_media_type');
    }
    const text = await send('GET', LIST, 'hello', {
      'Content-Type': 'text/plain',
      'Content-Length': '5',
    });
    expect(text.status).toBe(200);
  });

  it('reads compressed bodies within the limit, and refuses bad or unknown compression', async () => {
    const gzip = (text: string) => gzipSync(Buffer.from(text));
    const json = { 'Content-Type': 'application/json' };
    const zipped = await sendRaw(t.baseUrl, {
      method: 'PATCH',
      path: `${LIST}/${id}`,
      headers: { Authorization: auth, ...json, 'Content-Encoding': 'gzip' },
      body: gzip('{"metadata":{"zipped":true}}'),
    });
    expect(JSON.parse(zipped.body)).toMatchObject({ metadata: { zipped: true } });
    // Put back as it was, so that the refusals below can be checked to store nothing.
    await send('PATCH', `${LIST}/${id}`, '{"metadata":{}}');
    before = await tables.take();

    const compressed = (encoding: string, body: Buffer | string) =>
      sendRaw(t.baseUrl, {
        method: 'POST',
        path: LIST,
        headers: { Authorization: auth, ...json, 'Content-Encoding': encoding },
        body,
      });
    expectRawProblem(await compressed('gzip', 'not gzip at all'), 400, 'bad_request');
    expectRawProblem(await compressed('compress', '{}'), 415, 'unsupported_media_type');
    // 1 KiB on the wire, far more once inflated: the limit counts the inflated bytes.
    const bomb = gzip(`{"title":"${'x'.repeat(4 * 1024 * 1024)}"}`);
    expect(bomb.length).toBeLessThan(10 * 1024);
    expectRawProblem(await compressed('gzip', bomb), 413, 'payload_too_large');
  });

  it('still creates a conversation from a POST with no body at all', async () => {
    const answer = await send('POST', LIST, undefined, {});
    expect(answer.status).toBe(201);
    const created = JSON.parse(answer.body) as { id: string; title: null };
    expect(created.title).toBeNull();
    await request(t.server).delete(`${LIST}/${created.id}`).set('Authorization', auth).expect(204);
  });

  it.each(['   ', '\n\t \r\n', '\u00a0\u2003'])(
    'answers 400 to whitespace-only content %j',
    async (content) => {
      for (const path of [`${LIST}/${id}/messages`, `${LIST}/${id}/stream`]) {
        const answer = await send('POST', path, JSON.stringify({ content }));
        const problem = expectRawProblem(answer, 400, 'validation_failed');
        expect(problem.errors).toEqual([{ field: 'content', message: expect.any(String) }]);
      }
    },
  );

  it('answers 431 with a problem body to oversized headers', async () => {
    const port = Number(new URL(t.baseUrl).port);
    const answer = await exchangeRaw(
      port,
      `GET ${LIST} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(answer.timedOut).toBe(false);
    expectRawProblem(answer, 431, 'headers_too_large');
  });

  it('answers 400 with a problem body to a head Node cannot parse (a NUL in a header)', async () => {
    const port = Number(new URL(t.baseUrl).port);
    const answer = await exchangeRaw(
      port,
      `POST ${LIST}/${id}/messages HTTP/1.1\r\nHost: x\r\nIdempotency-Key: a\u0000b\r\n\r\n`,
    );
    expect(answer.timedOut).toBe(false);
    expectRawProblem(answer, 400, 'bad_request');
  });

  it.each([
    `${UNKNOWN_ID}:2147483648`,
    `${UNKNOWN_ID}:99999999999`,
    `${UNKNOWN_ID}:-1`,
    `${UNKNOWN_ID}:`,
  ])('answers 400 at once to Last-Event-ID %s', async (lastEventId) => {
    const answer = await send('GET', `${LIST}/${id}/stream`, undefined, {
      'Last-Event-ID': lastEventId,
    });
    const problem = expectRawProblem(answer, 400, 'validation_failed');
    expect(problem.errors).toEqual([{ field: 'Last-Event-ID', message: expect.any(String) }]);
  });
});

describe('Resuming a live run with a forged Last-Event-ID (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LOCAL_MODEL_TOKEN_DELAY_MS: '100' });
  });
  afterAll(() => t.close());

  it('answers 400 at once instead of polling forever', async () => {
    const auth = `Bearer ${await tokenFor('ivy')}`;
    const id = (await request(t.server).post(LIST).set('Authorization', auth).send({})).body
      .id as string;
    // A run that lasts several seconds: the resume below asks while it is live.
    const live = sendRaw(t.baseUrl, {
      method: 'POST',
      path: `${LIST}/${id}/stream?format=ndjson`,
      headers: { Authorization: auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ content: 'tell me a long story about the sea' }),
      timeoutMs: 60_000,
    });
    let runId = '';
    for (let i = 0; i < 100 && !runId; i++) {
      const events = await request(t.server).get(`${LIST}/${id}/events`).set('Authorization', auth);
      runId = (events.body.events as Array<{ run_id: string }>)[0]?.run_id ?? '';
      if (!runId) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(runId).not.toBe('');

    const answer = await sendRaw(t.baseUrl, {
      method: 'GET',
      path: `${LIST}/${id}/stream`,
      headers: { Authorization: auth, 'Last-Event-ID': `${runId}:2147483648` },
      timeoutMs: 10_000,
    });
    expectRawProblem(answer, 400, 'validation_failed');

    await request(t.server).post(`${LIST}/${id}/cancel`).set('Authorization', auth);
    expect((await live).timedOut).toBe(false);
  });
});
