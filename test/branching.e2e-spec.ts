import request from 'supertest';
import { FakeOpenAIServer, textResponse } from './support/fake-openai-server';
import { expectProblem } from './support/problem';
import { openStream } from './support/stream-client';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

interface Message {
  id: string;
  parent_id: string | null;
  role: string;
  content: string;
  sibling_count: number;
  sibling_index: number;
  sibling_ids: string[];
}

/**
 * Edit, regenerate and branch switching, against an OpenAI-compatible fake that records what the
 * model was sent: the model only ever sees the branch the conversation shows.
 */
describe('Message branches (e2e)', () => {
  let fake: FakeOpenAIServer;
  let t: TestApp;
  let token: string;
  let auth: string;
  let mallory: string;

  beforeAll(async () => {
    fake = await FakeOpenAIServer.start();
    t = await startTestApp({
      LLM_PROVIDER: 'openai',
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_API_KEY: 'sk-test',
      LLM_MODEL: 'gpt-test',
      // Titles are a model call of their own; this file counts the model's calls exactly.
      LLM_TITLES: 'false',
    });
    token = await tokenFor('brancher');
    auth = `Bearer ${token}`;
    mallory = `Bearer ${await tokenFor('mallory')}`;
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  /** The model answers "answer to <the last user message>". */
  const answersEcho = (count = 1) => {
    for (let i = 0; i < count; i++) {
      fake.enqueue((body) => {
        const users = (body.messages ?? []).filter((m) => m.role === 'user');
        return textResponse(`answer to ${String(users.at(-1)?.content)}`);
      });
    }
  };
  /** What the model was sent by request `index`, without the system prompt. */
  const modelInput = (index: number) =>
    (fake.requests[index].body.messages ?? [])
      .filter((m) => m.role !== 'system')
      .map((m) => `${m.role}: ${String(m.content)}`);

  const newConversation = async (who = auth) =>
    (await request(t.server).post('/api/v1/conversations').set('Authorization', who).send({})).body
      .id as string;
  const stream = async (path: string, body?: unknown, headers?: Record<string, string>) => {
    const result = await openStream(t.baseUrl, { path, token, body, headers });
    expect(result.status).toBe(200);
    const final = result.events.at(-1)!;
    expect(final).toMatchObject({ type: 'complete_state', finish_reason: 'stop' });
    return { runId: final.run_id, messageId: final.message_id as string, events: result.events };
  };
  const send = (id: string, content: string) =>
    stream(`/api/v1/conversations/${id}/stream`, { content });
  const edit = (id: string, messageId: string, content: string, headers?: Record<string, string>) =>
    stream(`/api/v1/conversations/${id}/messages/${messageId}/edit`, { content }, headers);
  const regenerate = (id: string, messageId: string, headers?: Record<string, string>) =>
    stream(`/api/v1/conversations/${id}/messages/${messageId}/regenerate`, undefined, headers);
  const branch = async (id: string): Promise<Message[]> => {
    const res = await request(t.server)
      .get(`/api/v1/conversations/${id}/messages`)
      .set('Authorization', auth)
      .expect(200);
    return res.body.items as Message[];
  };
  const contents = (messages: Message[]) => messages.map((m) => `${m.role}: ${m.content}`);
  const switchTo = (id: string, messageId: string, who = auth) =>
    request(t.server)
      .put(`/api/v1/conversations/${id}/active-branch`)
      .set('Authorization', who)
      .send({ message_id: messageId });

  /** A conversation of two questions and their answers. */
  const twoTurns = async () => {
    const id = await newConversation();
    answersEcho(2);
    await send(id, 'first question');
    await send(id, 'second question');
    // Requests are counted from here.
    fake.reset();
    return { id, messages: await branch(id) };
  };

  it('lists a conversation as one branch: parents, one version of each message', async () => {
    const { messages } = await twoTurns();
    expect(contents(messages)).toEqual([
      'user: first question',
      'assistant: answer to first question',
      'user: second question',
      'assistant: answer to second question',
    ]);
    expect(messages.map((m) => m.parent_id)).toEqual([
      null,
      messages[0].id,
      messages[1].id,
      messages[2].id,
    ]);
    for (const message of messages) {
      expect(message).toMatchObject({
        sibling_count: 1,
        sibling_index: 0,
        sibling_ids: [message.id],
      });
    }
  });

  it('edits a question into a sibling, answers it from its branch alone, and switches back', async () => {
    const { id, messages } = await twoTurns();
    const [first, firstAnswer, second, secondAnswer] = messages;

    answersEcho();
    await edit(id, second.id, 'second question, edited');
    // The model saw the branch above the edited question, and the new text: not the old question.
    expect(modelInput(0)).toEqual([
      'user: first question',
      'assistant: answer to first question',
      'user: second question, edited',
    ]);
    const edited = await branch(id);
    expect(contents(edited)).toEqual([
      'user: first question',
      'assistant: answer to first question',
      'user: second question, edited',
      'assistant: answer to second question, edited',
    ]);
    expect(edited[2]).toMatchObject({
      parent_id: firstAnswer.id,
      sibling_count: 2,
      sibling_index: 1,
      sibling_ids: [second.id, edited[2].id],
    });
    expect(edited[0].id).toBe(first.id);

    // One request shows the earlier branch again, down to its newest leaf.
    const switched = await switchTo(id, second.id).expect(200);
    expect(switched.body).toEqual({ message_id: second.id, active_leaf_id: secondAnswer.id });
    const back = await branch(id);
    expect(back.map((m) => m.id)).toEqual(messages.map((m) => m.id));
    expect(back[2]).toMatchObject({ sibling_count: 2, sibling_index: 0 });

    // A new message continues the branch shown, and the model sees that branch only.
    answersEcho();
    await send(id, 'third question');
    expect(modelInput(1)).toEqual([
      'user: first question',
      'assistant: answer to first question',
      'user: second question',
      'assistant: answer to second question',
      'user: third question',
    ]);
    const continued = await branch(id);
    expect(continued[4]).toMatchObject({ parent_id: secondAnswer.id, content: 'third question' });

    // Selecting the root follows the newest child at each step: the edited question's branch.
    const toRoot = await switchTo(id, first.id).expect(200);
    expect(toRoot.body.active_leaf_id).toBe(edited[3].id);
    expect((await branch(id)).map((m) => m.id)).toEqual(edited.map((m) => m.id));
  });

  it('edits the first message into a second root', async () => {
    const { id, messages } = await twoTurns();
    answersEcho();
    await edit(id, messages[0].id, 'another start');
    expect(modelInput(0)).toEqual(['user: another start']);
    const edited = await branch(id);
    expect(contents(edited)).toEqual(['user: another start', 'assistant: answer to another start']);
    expect(edited[0]).toMatchObject({ parent_id: null, sibling_count: 2, sibling_index: 1 });
  });

  it('regenerates an answer: a sibling of the earlier one, which stays, from the same history', async () => {
    const { id, messages } = await twoTurns();
    const [, , second, secondAnswer] = messages;
    fake.enqueue(textResponse('a better second answer'));
    const run = await regenerate(id, second.id);
    // No new question: the model saw the same branch up to the question.
    expect(modelInput(0)).toEqual([
      'user: first question',
      'assistant: answer to first question',
      'user: second question',
    ]);
    const after = await branch(id);
    expect(after).toHaveLength(4);
    expect(after[2].id).toBe(second.id);
    expect(after[3]).toMatchObject({
      id: run.messageId,
      parent_id: second.id,
      content: 'a better second answer',
      sibling_count: 2,
      sibling_index: 1,
      sibling_ids: [secondAnswer.id, run.messageId],
    });
    // The earlier answer is still there, one request away.
    await switchTo(id, secondAnswer.id).expect(200);
    expect((await branch(id))[3]).toMatchObject({
      id: secondAnswer.id,
      content: 'answer to second question',
      sibling_index: 0,
    });

    // Naming an answer regenerates the question it answers.
    fake.enqueue(textResponse('a better first answer'));
    await regenerate(id, messages[1].id);
    expect(modelInput(1)).toEqual(['user: first question']);
    const regenerated = await branch(id);
    expect(contents(regenerated)).toEqual([
      'user: first question',
      'assistant: a better first answer',
    ]);
    expect(regenerated[1]).toMatchObject({ sibling_count: 2, sibling_index: 1 });
  });

  it('honours Idempotency-Key on edit and regenerate', async () => {
    const { id, messages } = await twoTurns();
    fake.enqueue(textResponse('regenerated once'));
    const headers = { 'Idempotency-Key': `regen-${id}` };
    const first = await regenerate(id, messages[2].id, headers);
    const again = await regenerate(id, messages[2].id, headers);
    expect(again.runId).toBe(first.runId);
    expect(fake.requests).toHaveLength(1);
    expect(await branch(id)).toHaveLength(4);

    // The same key for another request is refused.
    const reused = await request(t.server)
      .post(`/api/v1/conversations/${id}/messages/${messages[0].id}/regenerate`)
      .set('Authorization', auth)
      .set('Idempotency-Key', `regen-${id}`);
    expectProblem(reused, 422, 'idempotency_key_reused');

    answersEcho();
    const editHeaders = { 'Idempotency-Key': `edit-${id}` };
    const edited = await edit(id, messages[2].id, 'edited once', editHeaders);
    const editedAgain = await edit(id, messages[2].id, 'edited once', editHeaders);
    expect(editedAgain.runId).toBe(edited.runId);
    expect(fake.requests).toHaveLength(2);
    const reusedEdit = await request(t.server)
      .post(`/api/v1/conversations/${id}/messages/${messages[2].id}/edit`)
      .set('Authorization', auth)
      .set('Idempotency-Key', `edit-${id}`)
      .send({ content: 'edited twice' });
    expectProblem(reusedEdit, 422, 'idempotency_key_reused');
  });

  it('refuses a regenerate or an edit while a run is active (409 run_active)', async () => {
    const { id, messages } = await twoTurns();
    fake.enqueue({ steps: [{ text: 'slow ' }, { delayMs: 1500 }, { text: 'answer' }] });
    const slow = openStream(t.baseUrl, {
      path: `/api/v1/conversations/${id}/stream`,
      token,
      body: { content: 'take your time' },
    });
    // Wait until the run is stored (its first event is out).
    let active: string | null = null;
    for (let i = 0; i < 200 && !active; i++) {
      const events = await request(t.server)
        .get(`/api/v1/conversations/${id}/events`)
        .set('Authorization', auth);
      if (events.body.events?.length && !events.body.done) active = events.body.events[0].run_id;
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(active).not.toBeNull();
    const busy = await request(t.server)
      .post(`/api/v1/conversations/${id}/messages/${messages[2].id}/regenerate`)
      .set('Authorization', auth);
    expectProblem(busy, 409, 'run_active');
    expect(busy.body.run_id).toBe(active);
    const busyEdit = await request(t.server)
      .post(`/api/v1/conversations/${id}/messages/${messages[2].id}/edit`)
      .set('Authorization', auth)
      .send({ content: 'meanwhile' });
    expectProblem(busyEdit, 409, 'run_active');
    expect((await slow).events.at(-1)).toMatchObject({ type: 'complete_state' });
  });

  it('answers bad input on every new route with a clear 4xx', async () => {
    const { id, messages } = await twoTurns();
    const other = await twoTurns();
    const mine = messages[2].id;
    const unknown = '00000000-0000-4000-8000-000000000000';
    const post = (path: string, body?: object, who = auth) => {
      const req = request(t.server).post(`/api/v1/conversations/${path}`).set('Authorization', who);
      return body === undefined ? req : req.send(body);
    };

    for (const action of ['edit', 'regenerate']) {
      const body = action === 'edit' ? { content: 'x' } : undefined;
      expectProblem(
        await post(`${unknown}/messages/${mine}/${action}`, body),
        404,
        'conversation_not_found',
      );
      expectProblem(
        await post(`${id}/messages/${mine}/${action}`, body, mallory),
        404,
        'conversation_not_found',
      );
      expectProblem(
        await post(`${id}/messages/${unknown}/${action}`, body),
        404,
        'message_not_found',
      );
      // A message of another conversation of the same user is not one of this conversation.
      expectProblem(
        await post(`${id}/messages/${other.messages[2].id}/${action}`, body),
        404,
        'message_not_found',
      );
      expectProblem(
        await post(`${id}/messages/not-a-uuid/${action}`, body),
        400,
        'validation_failed',
      );
      expectProblem(
        await post(`not-a-uuid/messages/${mine}/${action}`, body),
        400,
        'validation_failed',
      );
    }
    expectProblem(await post(`${id}/messages/${mine}/edit`, {}), 400, 'validation_failed');
    expectProblem(
      await post(`${id}/messages/${mine}/edit`, { content: '   ' }),
      400,
      'validation_failed',
    );
    expectProblem(
      await post(`${id}/messages/${mine}/edit`, { content: 42 }),
      400,
      'validation_failed',
    );
    expectProblem(
      await post(`${id}/messages/${mine}/edit`, { content: 'a\u0000b' }),
      400,
      'validation_failed',
    );
    expectProblem(
      await post(`${id}/messages/${mine}/edit`, { content: 'x', extra: true }),
      400,
      'validation_failed',
    );
    // Only questions are edited.
    const answer = await post(`${id}/messages/${messages[1].id}/edit`, { content: 'x' });
    expectProblem(answer, 400, 'validation_failed');
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'message_id' })]);
    const malformed = await request(t.server)
      .post(`/api/v1/conversations/${id}/messages/${mine}/edit`)
      .set('Authorization', auth)
      .set('Content-Type', 'application/json')
      .send('{"content": ');
    expect(malformed.status).toBe(400);

    expectProblem(await switchTo(unknown, mine), 404, 'conversation_not_found');
    expectProblem(await switchTo(id, mine, mallory), 404, 'conversation_not_found');
    expectProblem(await switchTo(id, unknown), 404, 'message_not_found');
    expectProblem(await switchTo(id, other.messages[2].id), 404, 'message_not_found');
    expectProblem(await switchTo(id, 'nope'), 400, 'validation_failed');
    const noBody = await request(t.server)
      .put(`/api/v1/conversations/${id}/active-branch`)
      .set('Authorization', auth)
      .send({});
    expectProblem(noBody, 400, 'validation_failed');
    // Nothing of the above changed the conversation, and the model was asked nothing more.
    expect((await branch(id)).map((m) => m.id)).toEqual(messages.map((m) => m.id));
    expect(fake.requests).toHaveLength(0);
  });
});
