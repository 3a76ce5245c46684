import request from 'supertest';
import { FakeOpenAIServer, textResponse } from './support/fake-openai-server';
import { openStream } from './support/stream-client';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

/** Untitled conversations are named after their first answer, never at the run's expense. */
describe('Conversation titles (e2e)', () => {
  describe('with the local model', () => {
    let t: TestApp;
    let token: string;
    let auth: string;

    beforeAll(async () => {
      t = await startTestApp({ LOCAL_MODEL_TOKEN_DELAY_MS: '0' });
      token = await tokenFor('titled');
      auth = `Bearer ${token}`;
    });
    afterAll(() => t.close());

    const create = async (body: object = {}) =>
      (await request(t.server).post('/api/v1/conversations').set('Authorization', auth).send(body))
        .body.id as string;
    const streamTypes = async (id: string, content: string) => {
      const result = await openStream(t.baseUrl, {
        path: `/api/v1/conversations/${id}/stream`,
        token,
        body: { content },
      });
      expect(result.events.at(-1)).toMatchObject({ type: 'complete_state', finish_reason: 'stop' });
      return result.events;
    };
    const conversation = async (id: string) =>
      (await request(t.server).get(`/api/v1/conversations/${id}`).set('Authorization', auth))
        .body as { title: string | null; title_source: string | null };

    it('names a new conversation after its first answer: stored, and a title event before complete_state', async () => {
      const id = await create();
      expect(await conversation(id)).toMatchObject({ title: null, title_source: null });
      const events = await streamTypes(id, 'Plan a relaxed weekend trip to Lisbon, please!');
      const title = events.at(-2)!;
      expect(title).toEqual({
        type: 'title',
        run_id: events[0].run_id,
        seq: events.length - 1,
        title: 'Plan a relaxed weekend trip to',
      });
      expect(await conversation(id)).toMatchObject({
        title: 'Plan a relaxed weekend trip to',
        title_source: 'generated',
      });
      // Polling sees it too, as a stored event.
      const polled = await request(t.server)
        .get(`/api/v1/conversations/${id}/events`)
        .set('Authorization', auth)
        .expect(200);
      expect(polled.body.events.map((e: { type: string }) => e.type)).toContain('title');

      // Named once: later answers leave it alone.
      const later = await streamTypes(id, 'And what about Porto?');
      expect(later.map((e) => e.type)).not.toContain('title');
      expect((await conversation(id)).title).toBe('Plan a relaxed weekend trip to');
    });

    it("never replaces the user's title, nor one the user cleared", async () => {
      const titled = await create({ title: 'My own' });
      expect((await streamTypes(titled, 'hello there')).map((e) => e.type)).not.toContain('title');
      expect(await conversation(titled)).toMatchObject({ title: 'My own', title_source: 'user' });

      const cleared = await create();
      await request(t.server)
        .patch(`/api/v1/conversations/${cleared}`)
        .set('Authorization', auth)
        .send({ title: null })
        .expect(200);
      expect((await streamTypes(cleared, 'hello again')).map((e) => e.type)).not.toContain('title');
      expect(await conversation(cleared)).toMatchObject({ title: null, title_source: 'user' });
    });
  });

  describe('with a provider', () => {
    let fake: FakeOpenAIServer;
    let t: TestApp;
    let token: string;
    let auth: string;

    beforeAll(async () => {
      fake = await FakeOpenAIServer.start();
      t = await startTestApp({
        LLM_PROVIDER: 'openai',
        OPENAI_BASE_URL: fake.baseUrl,
        OPENAI_API_KEY: 'sk-test',
        LLM_MODEL: 'gpt-test',
      });
      token = await tokenFor('provider-titles');
      auth = `Bearer ${token}`;
    });
    afterAll(async () => {
      await t.close();
      await fake.close();
    });
    beforeEach(() => fake.reset());

    const ask = async (content: string) => {
      const id = (
        await request(t.server).post('/api/v1/conversations').set('Authorization', auth).send({})
      ).body.id as string;
      const result = await openStream(t.baseUrl, {
        path: `/api/v1/conversations/${id}/stream`,
        token,
        body: { content },
      });
      const conversation = await request(t.server)
        .get(`/api/v1/conversations/${id}`)
        .set('Authorization', auth);
      return { events: result.events, conversation: conversation.body };
    };

    it('asks the model for a title without tools, and cleans its answer', async () => {
      fake.enqueue(textResponse('Lisbon is lovely.'), textResponse('"Weekend in Lisbon."\n'));
      const { events, conversation } = await ask('Where should I spend a weekend?');
      expect(events.at(-2)).toMatchObject({ type: 'title', title: 'Weekend in Lisbon' });
      expect(events.at(-1)).toMatchObject({ type: 'complete_state', message: 'Lisbon is lovely.' });
      expect(conversation).toMatchObject({ title: 'Weekend in Lisbon', title_source: 'generated' });
      expect(fake.requests).toHaveLength(2);
      const titleCall = fake.requests[1].body;
      expect(titleCall.tools).toBeUndefined();
      expect(titleCall.messages?.at(-1)).toMatchObject({
        role: 'user',
        content: 'Where should I spend a weekend?',
      });
    });

    it('answers normally, untitled, when the title call fails', async () => {
      fake.enqueue(textResponse('Here is the answer.'), { status: 500 });
      const { events, conversation } = await ask('A question whose title fails');
      expect(events.map((e) => e.type)).not.toContain('title');
      expect(events.at(-1)).toMatchObject({
        type: 'complete_state',
        finish_reason: 'stop',
        message: 'Here is the answer.',
      });
      expect(conversation).toMatchObject({ title: null, title_source: null });
    });

    it('makes no title call when the answer failed', async () => {
      fake.enqueue({ status: 400 });
      const { events, conversation } = await ask('A question that fails');
      expect(events.at(-1)).toMatchObject({ type: 'error' });
      expect(fake.requests).toHaveLength(1);
      expect(conversation.title).toBeNull();
    });
  });
});
