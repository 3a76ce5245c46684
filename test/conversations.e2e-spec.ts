import request from 'supertest';
import { Client } from 'pg';
import { MessagesService } from '../src/conversations/messages.service';
import { expectProblem } from './support/problem';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

describe('Conversations (e2e)', () => {
  let t: TestApp;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    t = await startTestApp();
    alice = `Bearer ${await tokenFor('alice')}`;
    bob = `Bearer ${await tokenFor('bob')}`;
  });
  afterAll(() => t.close());

  const create = (auth: string, body: object = {}) =>
    request(t.server).post('/api/v1/conversations').set('Authorization', auth).send(body);

  /** Appends messages the way a run does (runs are the only writers of messages). */
  const appendMessages = (conversationId: string, count: number) => {
    const messages = t.app.get(MessagesService);
    return messages.transaction((manager) =>
      messages.append(
        manager,
        conversationId,
        Array.from({ length: count }, (_, i) => ({
          role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
          content: `message ${i + 1}`,
          tokens: 2,
        })),
      ),
    );
  };

  it('creates, reads, updates and deletes a conversation', async () => {
    const created = await create(alice, { title: 'Trip', metadata: { tag: 'travel' } }).expect(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      title: 'Trip',
      title_source: 'user',
      metadata: { tag: 'travel' },
      message_count: 0,
      created_at: expect.stringMatching(/Z$/),
      updated_at: expect.stringMatching(/Z$/),
    });
    const id = created.body.id as string;

    const read = await request(t.server)
      .get(`/api/v1/conversations/${id}`)
      .set('Authorization', alice)
      .expect(200);
    expect(read.body).toEqual(created.body);

    const patched = await request(t.server)
      .patch(`/api/v1/conversations/${id}`)
      .set('Authorization', alice)
      .send({ title: 'Lisbon', metadata: { tag: 'holiday', days: 4 } })
      .expect(200);
    expect(patched.body).toMatchObject({
      id,
      title: 'Lisbon',
      metadata: { tag: 'holiday', days: 4 },
    });
    expect(Date.parse(patched.body.updated_at)).toBeGreaterThanOrEqual(
      Date.parse(created.body.updated_at),
    );

    const cleared = await request(t.server)
      .patch(`/api/v1/conversations/${id}`)
      .set('Authorization', alice)
      .send({ title: null })
      .expect(200);
    expect(cleared.body.title).toBeNull();
    expect(cleared.body.metadata).toEqual({ tag: 'holiday', days: 4 });

    await request(t.server)
      .delete(`/api/v1/conversations/${id}`)
      .set('Authorization', alice)
      .expect(204);
    const gone = await request(t.server)
      .get(`/api/v1/conversations/${id}`)
      .set('Authorization', alice);
    expectProblem(gone, 404, 'conversation_not_found');
    const again = await request(t.server)
      .delete(`/api/v1/conversations/${id}`)
      .set('Authorization', alice);
    expectProblem(again, 404, 'conversation_not_found');
  });

  it('defaults an empty body to no title and empty metadata', async () => {
    const res = await create(alice).expect(201);
    expect(res.body).toMatchObject({ title: null, metadata: {}, message_count: 0 });
  });

  describe('listing', () => {
    let carol: string;
    const ids: string[] = [];

    beforeAll(async () => {
      carol = `Bearer ${await tokenFor('carol')}`;
      // Sequential, so created_at is non-decreasing; equal timestamps are ordered by id.
      for (let i = 0; i < 25; i++) ids.push((await create(carol, { title: `c${i}` })).body.id);
    });

    it('pages newest first with an opaque cursor, without gaps or duplicates', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      const sizes: number[] = [];
      do {
        const res: request.Response = await request(t.server)
          .get('/api/v1/conversations')
          .query({ limit: 10, ...(cursor ? { cursor } : {}) })
          .set('Authorization', carol)
          .expect(200);
        sizes.push(res.body.items.length);
        seen.push(...res.body.items.map((c: { id: string }) => c.id));
        cursor = res.body.next_cursor;
      } while (cursor);
      expect(sizes).toEqual([10, 10, 5]);
      expect(new Set(seen).size).toBe(25);
      expect(seen).toEqual([...ids].reverse());
    });

    it('orders rows with the same created_at by id, and pages through them', async () => {
      // Same millisecond for all three: only the id breaks the tie.
      const db = new Client({ connectionString: t.databaseUrl });
      await db.connect();
      await db.query(
        `INSERT INTO conversations (user_id, title, created_at, updated_at)
         SELECT 'dave', 'tie ' || g, '2030-01-01T00:00:00.000Z', now() FROM generate_series(1, 3) g`,
      );
      const { rows } = await db.query<{ id: string }>(
        `SELECT id FROM conversations WHERE user_id = 'dave' ORDER BY id DESC`,
      );
      await db.end();
      const dave = `Bearer ${await tokenFor('dave')}`;
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: request.Response = await request(t.server)
          .get('/api/v1/conversations')
          .query({ limit: 1, ...(cursor ? { cursor } : {}) })
          .set('Authorization', dave)
          .expect(200);
        seen.push(...res.body.items.map((c: { id: string }) => c.id));
        cursor = res.body.next_cursor;
      } while (cursor);
      expect(seen).toEqual(rows.map((r) => r.id));
    });

    it('returns an exact last page with a null cursor, and the maximum page size', async () => {
      const all = await request(t.server)
        .get('/api/v1/conversations?limit=100')
        .set('Authorization', carol)
        .expect(200);
      expect(all.body.items).toHaveLength(25);
      expect(all.body.next_cursor).toBeNull();
      const exact = await request(t.server)
        .get('/api/v1/conversations?limit=25')
        .set('Authorization', carol)
        .expect(200);
      expect(exact.body.next_cursor).toBeNull();
    });

    it('uses limit 20 by default', async () => {
      const res = await request(t.server).get('/api/v1/conversations').set('Authorization', carol);
      expect(res.body.items).toHaveLength(20);
      expect(res.body.next_cursor).toEqual(expect.any(String));
    });

    it.each([['0'], ['101'], ['abc'], ['1.5'], ['-3']])('rejects limit=%s', async (limit) => {
      const res = await request(t.server)
        .get(`/api/v1/conversations?limit=${limit}`)
        .set('Authorization', carol);
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors).toEqual([{ field: 'limit', message: expect.any(String) }]);
    });

    it.each([
      ['garbage', 'not-a-cursor!'],
      ['valid base64 of the wrong shape', Buffer.from('{"x":1}').toString('base64url')],
      ['a message cursor', Buffer.from('{"s":3}').toString('base64url')],
      ['an overlong string', 'a'.repeat(600)],
    ])('rejects a cursor that is %s', async (_, cursor) => {
      const res = await request(t.server)
        .get('/api/v1/conversations')
        .query({ cursor })
        .set('Authorization', carol);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe('cursor');
    });

    it('rejects unknown query parameters', async () => {
      const res = await request(t.server)
        .get('/api/v1/conversations?sort=asc')
        .set('Authorization', carol);
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors).toEqual([{ field: 'sort', message: 'is not allowed' }]);
    });
  });

  describe('messages', () => {
    it('lists messages oldest first, paginated, and keeps message_count right', async () => {
      const id = (await create(alice, { title: 'chat' })).body.id as string;
      await appendMessages(id, 7);
      const conversation = await request(t.server)
        .get(`/api/v1/conversations/${id}`)
        .set('Authorization', alice)
        .expect(200);
      expect(conversation.body.message_count).toBe(7);

      const first = await request(t.server)
        .get(`/api/v1/conversations/${id}/messages?limit=5`)
        .set('Authorization', alice)
        .expect(200);
      expect(first.body.items.map((m: { content: string }) => m.content)).toEqual([
        'message 1',
        'message 2',
        'message 3',
        'message 4',
        'message 5',
      ]);
      expect(first.body.items[0]).toEqual({
        id: expect.any(String),
        parent_id: null,
        role: 'user',
        content: 'message 1',
        tokens: 2,
        status: 'complete',
        created_at: expect.any(String),
        sibling_count: 1,
        sibling_index: 0,
        sibling_ids: [first.body.items[0].id],
      });
      expect(first.body.items[1].parent_id).toBe(first.body.items[0].id);
      const second = await request(t.server)
        .get(`/api/v1/conversations/${id}/messages`)
        .query({ limit: 5, cursor: first.body.next_cursor })
        .set('Authorization', alice)
        .expect(200);
      expect(second.body.items.map((m: { content: string }) => m.content)).toEqual([
        'message 6',
        'message 7',
      ]);
      expect(second.body.next_cursor).toBeNull();
    });

    it('keeps seq unique and message_count exact under concurrent appends', async () => {
      const id = (await create(alice)).body.id as string;
      await Promise.all(Array.from({ length: 8 }, () => appendMessages(id, 3)));
      const res = await request(t.server)
        .get(`/api/v1/conversations/${id}/messages?limit=100`)
        .set('Authorization', alice)
        .expect(200);
      expect(res.body.items).toHaveLength(24);
      const conversation = await request(t.server)
        .get(`/api/v1/conversations/${id}`)
        .set('Authorization', alice);
      expect(conversation.body.message_count).toBe(24);
    });

    it('shows tool calls and tool results with their fields', async () => {
      const id = (await create(alice)).body.id as string;
      const messages = t.app.get(MessagesService);
      await messages.transaction((manager) =>
        messages.append(manager, id, [
          { role: 'user', content: '2+2?' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: 'call_1', name: 'calculator', args: { expression: '2+2' } }],
          },
          { role: 'tool', content: '4', toolCallId: 'call_1', toolName: 'calculator' },
          { role: 'assistant', content: 'It is 4.', status: 'partial' },
        ]),
      );
      const res = await request(t.server)
        .get(`/api/v1/conversations/${id}/messages`)
        .set('Authorization', alice)
        .expect(200);
      expect(res.body.items[1].tool_calls).toEqual([
        { id: 'call_1', name: 'calculator', args: { expression: '2+2' } },
      ]);
      expect(res.body.items[2]).toMatchObject({
        role: 'tool',
        tool_call_id: 'call_1',
        tool_name: 'calculator',
      });
      expect(res.body.items[3].status).toBe('partial');
    });

    it('deletes messages with their conversation', async () => {
      const id = (await create(alice)).body.id as string;
      await appendMessages(id, 3);
      await request(t.server)
        .delete(`/api/v1/conversations/${id}`)
        .set('Authorization', alice)
        .expect(204);
      const db = new Client({ connectionString: t.databaseUrl });
      await db.connect();
      const { rows } = await db.query(
        'SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1',
        [id],
      );
      await db.end();
      expect(rows[0].n).toBe(0);
    });

    it('rejects a bad message cursor', async () => {
      const id = (await create(alice)).body.id as string;
      const res = await request(t.server)
        .get(`/api/v1/conversations/${id}/messages`)
        .query({ cursor: Buffer.from('{"s":-1}').toString('base64url') })
        .set('Authorization', alice);
      expectProblem(res, 400, 'invalid_cursor');
    });
  });

  describe('ownership', () => {
    let aliceId: string;

    beforeAll(async () => {
      aliceId = (await create(alice, { title: 'private' })).body.id;
    });

    it.each([
      ['get', 'get', ''],
      ['patch', 'patch', ''],
      ['delete', 'delete', ''],
      ['list messages', 'get', '/messages'],
    ] as const)(
      'answers 404 to another user on %s, exactly as for an unknown id',
      async (_, method, suffix) => {
        const other = await request(t.server)
          [method](`/api/v1/conversations/${aliceId}${suffix}`)
          .set('Authorization', bob)
          .send(method === 'patch' ? { title: 'hijack' } : undefined);
        const unknown = await request(t.server)
          [method](`/api/v1/conversations/00000000-0000-4000-8000-000000000000${suffix}`)
          .set('Authorization', bob)
          .send(method === 'patch' ? { title: 'hijack' } : undefined);
        expectProblem(other, 404, 'conversation_not_found');
        expect({ ...other.body, instance: '' }).toEqual({ ...unknown.body, instance: '' });
      },
    );

    it("does not list another user's conversations and leaves them untouched", async () => {
      const list = await request(t.server)
        .get('/api/v1/conversations?limit=100')
        .set('Authorization', bob);
      expect(list.body.items.map((c: { id: string }) => c.id)).not.toContain(aliceId);
      const mine = await request(t.server)
        .get(`/api/v1/conversations/${aliceId}`)
        .set('Authorization', alice)
        .expect(200);
      expect(mine.body.title).toBe('private');
    });
  });
});
