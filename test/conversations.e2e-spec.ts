import request from 'supertest';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

describe('Conversations (e2e)', () => {
  let t: TestApp;
  let alice: string;

  beforeAll(async () => {
    t = await startTestApp();
    alice = `Bearer ${await tokenFor('alice')}`;
  });
  afterAll(() => t.close());

  it('creates, reads, updates, lists and deletes a conversation', async () => {
    const created = await request(t.server)
      .post('/api/v1/conversations')
      .set('Authorization', alice)
      .send({ title: 'Trip', metadata: { tag: 'travel' } })
      .expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      title: 'Trip',
      metadata: { tag: 'travel' },
      message_count: 0,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const id = created.body.id as string;

    await request(t.server)
      .get(`/api/v1/conversations/${id}`)
      .set('Authorization', alice)
      .expect(200)
      .expect((res) => expect(res.body.title).toBe('Trip'));

    const patched = await request(t.server)
      .patch(`/api/v1/conversations/${id}`)
      .set('Authorization', alice)
      .send({ title: null })
      .expect(200);
    expect(patched.body.title).toBeNull();
    expect(patched.body.metadata).toEqual({ tag: 'travel' });

    const list = await request(t.server)
      .get('/api/v1/conversations')
      .set('Authorization', alice)
      .expect(200);
    expect(list.body.items.map((c: { id: string }) => c.id)).toContain(id);

    await request(t.server).delete(`/api/v1/conversations/${id}`).set('Authorization', alice).expect(204);
    await request(t.server).get(`/api/v1/conversations/${id}`).set('Authorization', alice).expect(404);
  });
});
