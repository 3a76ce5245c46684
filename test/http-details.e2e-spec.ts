import request from 'supertest';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

type OpenApi = { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };

describe('Location on every 201 Created (e2e)', () => {
  let t: TestApp;
  let user: string;
  let admin: string;
  /** `METHOD /path/{template}` of every 201 this spec saw with its Location checked. */
  const checked = new Set<string>();

  beforeAll(async () => {
    t = await startTestApp();
    user = `Bearer ${await tokenFor('location-user')}`;
    admin = `Bearer ${await tokenFor('location-admin', { roles: ['admin'] })}`;
  });
  afterAll(() => t.close());

  async function newConversation(): Promise<{ id: string; location: string }> {
    const res = await request(t.server)
      .post('/api/v1/conversations')
      .set('Authorization', user)
      .send({ title: 'where' })
      .expect(201);
    return { id: res.body.id as string, location: res.headers.location };
  }

  it('POST /conversations: the new conversation, which GET then reads', async () => {
    const { id, location } = await newConversation();
    expect(location).toBe(`/api/v1/conversations/${id}`);
    const read = await request(t.server).get(location).set('Authorization', user).expect(200);
    expect(read.body.id).toBe(id);
    checked.add('post /api/v1/conversations');
  });

  it('POST /conversations/{id}/messages: the list the messages were appended to', async () => {
    const { id } = await newConversation();
    const res = await request(t.server)
      .post(`/api/v1/conversations/${id}/messages`)
      .set('Authorization', user)
      .send({ content: 'hello' })
      .expect(201);
    expect(res.headers.location).toBe(`/api/v1/conversations/${id}/messages`);
    const list = await request(t.server)
      .get(res.headers.location)
      .set('Authorization', user)
      .expect(200);
    expect((list.body.items as Array<{ id: string }>).map((m) => m.id)).toContain(
      res.body.assistant_message.id,
    );
    checked.add('post /api/v1/conversations/{id}/messages');
  });

  it('POST /conversations/{id}/stream-tokens: the stream the token opens', async () => {
    const { id } = await newConversation();
    const res = await request(t.server)
      .post(`/api/v1/conversations/${id}/stream-tokens`)
      .set('Authorization', user)
      .expect(201);
    expect(res.headers.location).toBe(`/api/v1/conversations/${id}/stream`);
    checked.add('post /api/v1/conversations/{id}/stream-tokens');
  });

  it('POST /knowledge/documents: the new document, which DELETE then removes', async () => {
    const res = await request(t.server)
      .post('/api/v1/knowledge/documents')
      .set('Authorization', admin)
      .send({ title: 'Located', content: 'A document to find by its Location header.' })
      .expect(201);
    expect(res.headers.location).toBe(`/api/v1/knowledge/documents/${res.body.id}`);
    await request(t.server).delete(res.headers.location).set('Authorization', admin).expect(204);
    checked.add('post /api/v1/knowledge/documents');
  });

  it('sends no Location on a refused create', async () => {
    const refused = await request(t.server)
      .post('/api/v1/conversations')
      .set('Authorization', user)
      .send({ title: 42 })
      .expect(400);
    expect(refused.headers.location).toBeUndefined();
  });

  it('covers every operation the OpenAPI document answers with 201', async () => {
    const document = (await request(t.server).get('/docs-json').expect(200)).body as OpenApi;
    const created = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => operation.responses?.['201'])
        .map(([method]) => `${method} ${path}`),
    );
    expect(created.sort()).toEqual([...checked].sort());
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const operation of Object.values(operations)) {
        const answer = operation.responses?.['201'] as { headers?: object } | undefined;
        if (answer) expect({ path, headers: answer.headers }).toHaveProperty('headers.Location');
      }
    }
  });
});

describe('Strict-Transport-Security (e2e)', () => {
  it('is not sent by default: the server may be reached over plain HTTP', async () => {
    const t = await startTestApp();
    try {
      const res = await request(t.server).get('/health').expect(200);
      expect(res.headers['strict-transport-security']).toBeUndefined();
      // The other helmet headers stay.
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    } finally {
      await t.close();
    }
  });

  it('is sent with HTTP_HSTS=true (behind a TLS proxy or ingress)', async () => {
    const t = await startTestApp({ HTTP_HSTS: 'true' });
    try {
      for (const path of ['/health', '/api/v1/conversations']) {
        const res = await request(t.server).get(path);
        expect(res.headers['strict-transport-security']).toBe(
          'max-age=31536000; includeSubDomains',
        );
      }
    } finally {
      await t.close();
    }
  });
});
