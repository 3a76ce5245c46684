import { DefaultChatTransport, type UIMessage, type UIMessageChunk } from 'ai';
import { Client } from 'pg';
import request from 'supertest';
import { NodeChat, textOf } from './support/ai-sdk-chat';
import { createConversation } from './support/conversations';
import { type FakeModelApp, startFakeModelApp } from './support/fake-model-app';
import { expectProblem } from './support/problem';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

/** A message whose local-model answer streams for a while (one word per LOCAL_MODEL_TOKEN_DELAY_MS). */
const LONG = Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ');
/** A message the local model answers with a calculator call, then the result. */
const ARITHMETIC = 'what is 12 * (3 + 4)?';

interface StoredMessage {
  id: string;
  role: string;
  content: string;
}

/**
 * The Vercel AI SDK (`ai` 6) against the real server: its `DefaultChatTransport` and its chat
 * (what `useChat` runs) pointed at `/api/v1/ai-sdk/chat`, the chat id being a conversation id.
 */
describe('AI SDK UI message stream (e2e)', () => {
  let t: TestApp;
  let token: string;
  let db: Client;

  beforeAll(async () => {
    t = await startTestApp({ LOCAL_MODEL_TOKEN_DELAY_MS: '20' });
    token = await tokenFor('ai-sdk-user');
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const api = () => `${t.baseUrl}/api/v1/ai-sdk/chat`;
  const transport = (bearer = token) =>
    new DefaultChatTransport({ api: api(), headers: { Authorization: `Bearer ${bearer}` } });
  const newConversation = (bearer = token) => createConversation(t.server, bearer);
  const storedMessages = async (id: string) =>
    (
      await request(t.server)
        .get(`/api/v1/conversations/${id}/messages`)
        .set('Authorization', `Bearer ${token}`)
        .expect(200)
    ).body.items as StoredMessage[];
  const runsOf = async (id: string) =>
    (
      await db.query<{ id: string; status: string }>(
        'SELECT id, status FROM runs WHERE conversation_id = $1 ORDER BY created_at',
        [id],
      )
    ).rows;
  const userMessage = (text: string, id = `msg-${Math.random().toString(36).slice(2)}`) =>
    ({ id, role: 'user', parts: [{ type: 'text', text }] }) as UIMessage;

  it("streams the answer into useChat's assistant message, equal to the stored one", async () => {
    const id = await newConversation();
    const chat = new NodeChat({ id, transport: transport() });
    await chat.sendMessage({ text: 'Hello from the AI SDK' });

    expect(chat.status).toBe('ready');
    expect(chat.error).toBeUndefined();
    const [question, answer] = chat.messages;
    expect(question.role).toBe('user');
    expect(answer.role).toBe('assistant');
    const [run] = await runsOf(id);
    expect(answer.id).toBe(run.id);
    const stored = await storedMessages(id);
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(stored[0].content).toBe('Hello from the AI SDK');
    expect(textOf(answer)).toBe(stored[1].content);
    expect(textOf(answer)).toContain('Hello from the AI SDK');
    expect(answer.metadata).toMatchObject({ message_id: stored[1].id, finish_reason: 'stop' });
  });

  it('shows the tool call and its result as a tool part, and the text after it', async () => {
    const id = await newConversation();
    const chat = new NodeChat({ id, transport: transport() });
    await chat.sendMessage({ text: ARITHMETIC });

    expect(chat.status).toBe('ready');
    const answer = chat.messages[1];
    const tool = answer.parts.find((part) => part.type === 'tool-calculator');
    expect(tool).toMatchObject({
      type: 'tool-calculator',
      state: 'output-available',
      toolCallId: expect.any(String),
      input: expect.any(Object),
      output: expect.stringContaining('84'),
    });
    expect(answer.parts.map((part) => part.type)).toEqual([
      'step-start',
      'tool-calculator',
      'step-start',
      'text',
    ]);
    const stored = await storedMessages(id);
    const assistant = stored.filter((message) => message.role === 'assistant').at(-1)!;
    expect(textOf(answer)).toBe(assistant.content);
    expect(textOf(answer)).toContain('84');
  });

  it('takes a second turn that sends only the last message (prepareSendMessagesRequest)', async () => {
    const id = await newConversation();
    const chat = new NodeChat({
      id,
      transport: new DefaultChatTransport({
        api: api(),
        headers: { Authorization: `Bearer ${token}` },
        prepareSendMessagesRequest: ({ id: chatId, messages }) => ({
          body: { id: chatId, messages: messages.slice(-1) },
        }),
      }),
    });
    await chat.sendMessage({ text: 'first turn' });
    await chat.sendMessage({ text: 'second turn' });

    expect(chat.status).toBe('ready');
    expect(chat.messages.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    const stored = await storedMessages(id);
    expect(stored.map((message) => message.content)).toEqual([
      'first turn',
      textOf(chat.messages[1]),
      'second turn',
      textOf(chat.messages[3]),
    ]);
  });

  it('sends the UI message stream header and the protocol framing, ending with [DONE]', async () => {
    const id = await newConversation();
    const res = await fetch(api(), {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id, messages: [userMessage('framing')], trigger: 'submit-message' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const body = await res.text();
    const data = body
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice(6));
    expect(data.at(-1)).toBe('[DONE]');
    const types = data.slice(0, -1).map((json) => (JSON.parse(json) as UIMessageChunk).type);
    expect(types.slice(0, 3)).toEqual(['start', 'start-step', 'text-start']);
    expect(types.slice(-3)).toEqual(['text-end', 'finish-step', 'finish']);
  });

  it('resumes a stream in progress after a reload (resumeStream), and answers 204 once it is over', async () => {
    const id = await newConversation();
    // The first page: sends the message and leaves after the first chunks (a reload).
    const leaving = new AbortController();
    const stream = await transport().sendMessages({
      chatId: id,
      messages: [userMessage(LONG)],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: leaving.signal,
    });
    const reader = stream.getReader();
    const seen: UIMessageChunk[] = [];
    while (!seen.some((chunk) => chunk.type === 'text-delta')) {
      const { value, done } = await reader.read();
      if (done) break;
      seen.push(value);
    }
    leaving.abort();
    await reader.cancel().catch(() => undefined);
    expect((await runsOf(id))[0].status).toBe('running');

    // The reloaded page: the stored user message, then useChat's resume.
    const stored = await storedMessages(id);
    const chat = new NodeChat({
      id,
      transport: transport(),
      messages: [{ id: stored[0].id, role: 'user', parts: [{ type: 'text', text: LONG }] }],
    });
    await chat.resumeStream();

    expect(chat.status).toBe('ready');
    expect(chat.error).toBeUndefined();
    const [run] = await runsOf(id);
    expect(run.status).toBe('completed');
    expect(chat.messages).toHaveLength(2);
    const answer = chat.messages[1];
    expect(answer.id).toBe(run.id);
    const after = await storedMessages(id);
    expect(textOf(answer)).toBe(after[1].content);
    expect(textOf(answer)).toContain('word99');

    // Nothing in progress now: 204, and the chat stays as it is.
    const again = await fetch(`${api()}/${id}/stream`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(again.status).toBe(204);
    await chat.resumeStream();
    expect(chat.status).toBe('ready');
    expect(chat.messages).toHaveLength(2);
  });

  it('starts one run for a message sent twice (its id is the idempotency key)', async () => {
    const id = await newConversation();
    const body = JSON.stringify({ id, messages: [userMessage('only once', 'fixed-id')] });
    const send = () =>
      fetch(api(), {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body,
      }).then(async (res) => ({ status: res.status, text: await res.text() }));
    const first = await send();
    const second = await send();
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.text).toBe(first.text);
    expect(await runsOf(id)).toHaveLength(1);
  });

  it("answers another user's conversation with 404, which useChat reports as an error", async () => {
    const id = await newConversation(await tokenFor('someone-else'));
    const chat = new NodeChat({ id, transport: transport() });
    await chat.sendMessage({ text: 'not mine' });
    expect(chat.status).toBe('error');
    expect(chat.error?.message).toContain('conversation_not_found');
    expect(await runsOf(id)).toHaveLength(0);

    const resume = await request(t.server)
      .get(`/api/v1/ai-sdk/chat/${id}/stream`)
      .set('Authorization', `Bearer ${token}`);
    expectProblem(resume, 404, 'conversation_not_found');
  });

  it('refuses requests without a token (401)', async () => {
    const id = await newConversation();
    const res = await request(t.server)
      .post('/api/v1/ai-sdk/chat')
      .send({ id, messages: [userMessage('hi')] });
    expect(res.status).toBe(401);
    const resume = await request(t.server).get(`/api/v1/ai-sdk/chat/${id}/stream`);
    expect(resume.status).toBe(401);
  });

  it('refuses bad input with 400 naming the field, storing nothing', async () => {
    const id = await newConversation();
    const post = (body: unknown) =>
      request(t.server)
        .post('/api/v1/ai-sdk/chat')
        .set('Authorization', `Bearer ${token}`)
        .send(body as object);
    const cases: Array<[unknown, string]> = [
      [{ id, messages: [] }, 'messages'],
      [{ messages: [userMessage('hi')] }, 'id'],
      [{ id: 'not-a-uuid', messages: [userMessage('hi')] }, 'id'],
      [{ id, messages: 'hi' }, 'messages'],
      [{ id, messages: [{ ...userMessage('hi'), role: 'assistant' }] }, 'messages.0.role'],
      [{ id, messages: [{ ...userMessage('hi'), role: 'robot' }] }, 'messages.0.role'],
      [
        { id, messages: [{ id: 'm', role: 'user', parts: [{ type: 'file' }] }] },
        'messages.0.parts',
      ],
      [
        { id, messages: [{ id: 'm', role: 'user', parts: [{ type: 'text', text: 7 }] }] },
        'messages.0.parts',
      ],
      [{ id, messages: [{ id: 'm', role: 'user', parts: ['hi'] }] }, 'messages.0.parts'],
      [{ id, messages: [userMessage('hi')], trigger: 'explode' }, 'trigger'],
      [{ id, messages: [userMessage('hi')], extra: true }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await post(body);
      expectProblem(res, 400, 'validation_failed');
      expect(JSON.stringify(res.body)).toContain(`"${field}`);
    }
    const malformed = await request(t.server)
      .post('/api/v1/ai-sdk/chat')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .send('{"id": ');
    expect(malformed.status).toBe(400);
    const nul = await post({ id, messages: [userMessage('a\u0000b')] });
    expect(nul.status).toBe(400);
    const badId = await request(t.server)
      .get('/api/v1/ai-sdk/chat/not-a-uuid/stream')
      .set('Authorization', `Bearer ${token}`);
    expectProblem(badId, 400, 'validation_failed');
    expect(await runsOf(id)).toHaveLength(0);
  });

  describe('when the model fails', () => {
    let fake: FakeModelApp;
    let failing: TestApp;

    beforeAll(async () => {
      fake = await startFakeModelApp();
      failing = fake.app;
    });
    afterAll(() => fake.close());

    it("shows the run's error as useChat's error (error chunk), and the chat can go on", async () => {
      fake.model.enqueue({ status: 500 }, { status: 500 }, { status: 500 });
      const id = await createConversation(failing.server, token);
      const errors: Error[] = [];
      const chat = new NodeChat({
        id,
        transport: new DefaultChatTransport({
          api: `${failing.baseUrl}/api/v1/ai-sdk/chat`,
          headers: { Authorization: `Bearer ${token}` },
        }),
        onError: (error) => errors.push(error),
      });
      await chat.sendMessage({ text: 'fail please' });
      expect(chat.status).toBe('error');
      const [runEvent] = (
        await request(failing.server)
          .get(`/api/v1/conversations/${id}/events`)
          .set('Authorization', `Bearer ${token}`)
          .expect(200)
      ).body.events.filter((event: { type: string }) => event.type === 'error');
      expect(runEvent).toMatchObject({ code: 'llm_error' });
      expect(chat.error?.message).toBe(runEvent.message);
      expect(errors.map((error) => error.message)).toEqual([runEvent.message]);

      fake.model.reset();
      fake.model.enqueue({ steps: [{ text: 'Back again.' }] });
      await chat.sendMessage({ text: 'and now?' });
      expect(chat.status).toBe('ready');
      expect(textOf(chat.messages.at(-1))).toBe('Back again.');
    });
  });
});
