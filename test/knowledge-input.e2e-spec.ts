import request from 'supertest';
import { Client } from 'pg';
import { KNOWLEDGE, searchKnowledge, uploadDocument } from './support/knowledge-corpus';
import { expectProblem } from './support/problem';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

const DOCUMENTS = `${KNOWLEDGE}/documents`;

describe('Knowledge base: access and bad input (e2e)', () => {
  let t: TestApp;
  let db: Client;
  let admin: string;
  let user: string;
  let keptId: string;

  beforeAll(async () => {
    t = await startTestApp({ MAX_DOCUMENT_BYTES: '2000', MAX_BODY_BYTES: '8192' });
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    admin = `Bearer ${await tokenFor('curator', { roles: ['admin'] })}`;
    user = `Bearer ${await tokenFor('reader')}`;
    keptId = (
      await uploadDocument(t, admin, { title: 'Keep me', content: 'Tea is brewed with hot water.' })
    ).body.id as string;
  });

  afterEach(async () => {
    // Whatever was sent, the knowledge base holds exactly the one document, and is searchable.
    const documents = await db.query('SELECT id FROM knowledge_documents');
    expect(documents.rows).toEqual([{ id: keptId }]);
    const chunks = await db.query('SELECT DISTINCT document_id FROM knowledge_chunks');
    expect(chunks.rows).toEqual([{ document_id: keptId }]);
    const found = await searchKnowledge(t, user, { q: 'tea' }).expect(200);
    expect(found.body.results[0].document_id).toBe(keptId);
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  describe('access', () => {
    it('answers 403 to a user without the admin role uploading or deleting', async () => {
      expectProblem(await uploadDocument(t, user, { title: 'x', content: 'y' }), 403, 'forbidden');
      const res = await request(t.server)
        .delete(`${DOCUMENTS}/${keptId}`)
        .set('Authorization', user);
      expectProblem(res, 403, 'forbidden');
    });

    it('answers 401 to every knowledge route without a token', async () => {
      expectProblem(
        await request(t.server).post(DOCUMENTS).send({ title: 'x', content: 'y' }),
        401,
        'unauthorized',
      );
      expectProblem(await request(t.server).delete(`${DOCUMENTS}/${keptId}`), 401, 'unauthorized');
      expectProblem(
        await request(t.server).get(`${KNOWLEDGE}/search`).query({ q: 'tea' }),
        401,
        'unauthorized',
      );
    });

    it('lets any authenticated user search', async () => {
      const res = await searchKnowledge(t, user, { q: 'hot water' }).expect(200);
      expect(res.body.strategy).toBe('vector');
    });
  });

  describe('POST /knowledge/documents', () => {
    it.each(['{"title": "x"', '{title: x}', 'null', '[1,2]', '"just a string"'])(
      'answers 400 to the malformed or non-object JSON body %s',
      async (body) => {
        const res = await request(t.server)
          .post(DOCUMENTS)
          .set('Authorization', admin)
          .set('Content-Type', 'application/json')
          .send(body);
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(/problem\+json/);
      },
    );

    it.each([
      ['the title is missing', { content: 'text' }, 'title'],
      ['the content is missing', { title: 'Title' }, 'content'],
      ['the title is a number', { title: 12, content: 'text' }, 'title'],
      ['the content is an object', { title: 'Title', content: { text: 'x' } }, 'content'],
      ['the content is empty', { title: 'Title', content: '' }, 'content'],
      ['the content is only white space', { title: 'Title', content: ' \n\t ' }, 'content'],
      ['the title is empty', { title: '  ', content: 'text' }, 'title'],
      ['the title is too long', { title: 'x'.repeat(501), content: 'text' }, 'title'],
      ['the metadata is an array', { title: 'T', content: 'text', metadata: [1] }, 'metadata'],
      ['the metadata is a string', { title: 'T', content: 'text', metadata: 'x' }, 'metadata'],
      ['an unknown field is sent', { title: 'T', content: 'text', owner: 'mallory' }, 'owner'],
    ])('answers 400 naming the field when %s', async (_, body, field) => {
      const res = await uploadDocument(t, admin, body);
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors).toEqual([{ field, message: expect.any(String) }]);
    });

    it('answers 413 to content over MAX_DOCUMENT_BYTES, counted in UTF-8 bytes', async () => {
      const ascii = await uploadDocument(t, admin, { title: 'Big', content: 'a'.repeat(2001) });
      expectProblem(ascii, 413, 'payload_too_large');
      expect(ascii.body.detail).toBe(
        'The document content is 2001 bytes; at most 2000 are accepted (MAX_DOCUMENT_BYTES).',
      );
      // 1,000 characters, 2,002 bytes.
      const accented = await uploadDocument(t, admin, { title: 'Big', content: 'é'.repeat(1001) });
      expectProblem(accented, 413, 'payload_too_large');
    });

    it('answers 413 to a body over MAX_BODY_BYTES before reading it', async () => {
      const res = await uploadDocument(t, admin, { title: 'Huge', content: 'a'.repeat(10_000) });
      expectProblem(res, 413, 'payload_too_large');
      expect(res.body.detail).toContain('MAX_BODY_BYTES');
    });
  });

  describe('GET /knowledge/search', () => {
    it.each([
      ['q is missing', {}, 'q'],
      ['q is empty', { q: '' }, 'q'],
      ['q is only white space', { q: '   ' }, 'q'],
      ['q is too long', { q: 'x'.repeat(1001) }, 'q'],
      ['k is 0', { q: 'tea', k: '0' }, 'k'],
      ['k is 21', { q: 'tea', k: '21' }, 'k'],
      ['k is not a number', { q: 'tea', k: 'abc' }, 'k'],
      ['k is not an integer', { q: 'tea', k: '1.5' }, 'k'],
      ['k is empty', { q: 'tea', k: '' }, 'k'],
      ['an unknown parameter is sent', { q: 'tea', limit: '3' }, 'limit'],
    ])('answers 400 naming the parameter when %s', async (_, query, field) => {
      const res = await searchKnowledge(t, user, query);
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors).toEqual([{ field, message: expect.any(String) }]);
    });

    it('answers 400 to a repeated q', async () => {
      const res = await request(t.server)
        .get(`${KNOWLEDGE}/search?q=tea&q=water`)
        .set('Authorization', user);
      expectProblem(res, 400, 'validation_failed');
    });

    it('accepts k at both bounds', async () => {
      expect(
        (await searchKnowledge(t, user, { q: 'tea', k: 1 }).expect(200)).body.results,
      ).toHaveLength(1);
      await searchKnowledge(t, user, { q: 'tea', k: 20 }).expect(200);
    });
  });

  describe('DELETE /knowledge/documents/{id}', () => {
    it('answers 400 to an id that is not a UUID', async () => {
      const res = await request(t.server)
        .delete(`${DOCUMENTS}/not-a-uuid`)
        .set('Authorization', admin);
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors).toEqual([{ field: 'id', message: 'must be a UUID' }]);
    });

    it('answers 404 to an unknown id', async () => {
      const res = await request(t.server)
        .delete(`${DOCUMENTS}/00000000-0000-4000-8000-000000000000`)
        .set('Authorization', admin);
      expectProblem(res, 404, 'not_found');
      expect(res.body.detail).toBe('Document not found.');
    });
  });
});
