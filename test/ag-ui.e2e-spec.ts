import { randomUUID } from 'node:crypto';
import { type BaseEvent, EventType, HttpAgent, type Message } from '@ag-ui/client';
import { Client } from 'pg';
import request from 'supertest';
import { createConversation } from './support/conversations';
import { type FakeModelApp, startFakeModelApp } from './support/fake-model-app';
import { expectProblem } from './support/problem';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

/** A message the local model answers with a calculator call, then the result. */
const ARITHMETIC = 'what is 12 * (3 + 4)?';

interface StoredMessage {
  id: string;
  role: string;
  content: string;
}

/** What one `runAgent` saw: every event in order, and how it ended. */
interface AgentRun {
  events: BaseEvent[];
  agent: HttpAgent;
  error?: Error & { status?: number };
}

/**
 * AG-UI against the real server: `@ag-ui/client`'s `HttpAgent` (what CopilotKit-style frontends
 * run) pointed at `/api/v1/ag-ui`, the thread id being a conversation id.
 */
describe('AG-UI (e2e)', () => {
  let t: TestApp;
  let token: string;
  let db: Client;

  beforeAll(async () => {
    t = await startTestApp({ LOCAL_MODEL_TOKEN_DELAY_MS: '5' });
    token = await tokenFor('ag-ui-user');
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const newConversation = (bearer = token) => createConversation(t.server, bearer);
  const storedMessages = async (app: TestApp, id: string) =>
    (
      await request(app.server)
        .get(`/api/v1/conversations/${id}/messages`)
        .set('Authorization', `Bearer ${token}`)
        .expect(200)
    ).body.items as StoredMessage[];
  const runsOf = async (id: string) =>
    (await db.query('SELECT id FROM runs WHERE conversation_id = $1', [id])).rows;

  /** Runs an HttpAgent on one user message, as a frontend does, and records what it saw. */
  const runAgent = async (
    app: TestApp,
    threadId: string,
    content: Message['content'],
    options: { runId?: string; bearer?: string } = {},
  ): Promise<AgentRun> => {
    const agent = new HttpAgent({
      url: `${app.baseUrl}/api/v1/ag-ui`,
      headers: { Authorization: `Bearer ${options.bearer ?? token}` },
      threadId,
    });
    agent.addMessage({ id: randomUUID(), role: 'user', content } as Message);
    const events: BaseEvent[] = [];
    try {
      await agent.runAgent(
        { runId: options.runId },
        { onEvent: ({ event }) => void events.push(event) },
      );
      return { events, agent };
    } catch (error) {
      return { events, agent, error: error as AgentRun['error'] };
    }
  };
  const textOf = (events: BaseEvent[]) =>
    events
      .filter((event) => event.type === EventType.TEXT_MESSAGE_CONTENT)
      .map((event) => (event as BaseEvent & { delta: string }).delta)
      .join('');

  it('streams RUN_STARTED, one text message and RUN_FINISHED; the text is the stored answer', async () => {
    const id = await newConversation();
    const runId = randomUUID();
    const { events, agent, error } = await runAgent(t, id, 'Hello over AG-UI', { runId });

    expect(error).toBeUndefined();
    // The conversation's first answer names it: a CUSTOM `title` event among the others.
    const custom = events.filter((event) => event.type === EventType.CUSTOM);
    expect(custom).toEqual([expect.objectContaining({ name: 'title' })]);
    const types = events
      .filter((event) => event.type !== EventType.CUSTOM)
      .map((event) => event.type);
    expect(types[0]).toBe(EventType.RUN_STARTED);
    expect(types[1]).toBe(EventType.TEXT_MESSAGE_START);
    expect(new Set(types.slice(2, -2))).toEqual(new Set([EventType.TEXT_MESSAGE_CONTENT]));
    expect(types.slice(-2)).toEqual([EventType.TEXT_MESSAGE_END, EventType.RUN_FINISHED]);
    expect(events[0]).toMatchObject({ threadId: id, runId });
    const [run] = await runsOf(id);
    expect(events[0]).toMatchObject({ metadata: { run_id: run.id } });

    const stored = await storedMessages(t, id);
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(stored[0].content).toBe('Hello over AG-UI');
    expect(textOf(events)).toBe(stored[1].content);
    expect(events.at(-1)).toMatchObject({
      threadId: id,
      runId,
      result: { message_id: stored[1].id, finish_reason: 'stop' },
    });
    // The agent's own view of the thread: the user message, then the answer.
    const answer = agent.messages.at(-1)!;
    expect(answer.role).toBe('assistant');
    expect(answer.content).toBe(stored[1].content);
  });

  it('tells a tool call (start, args, end, result) before the answer', async () => {
    const id = await newConversation();
    const { events, agent, error } = await runAgent(t, id, [{ type: 'text', text: ARITHMETIC }]);

    expect(error).toBeUndefined();
    const types = events.map((event) => event.type);
    expect(types.slice(0, 6)).toEqual([
      EventType.RUN_STARTED,
      EventType.TOOL_CALL_START,
      EventType.TOOL_CALL_ARGS,
      EventType.TOOL_CALL_END,
      EventType.TOOL_CALL_RESULT,
      EventType.TEXT_MESSAGE_START,
    ]);
    expect(types.at(-1)).toBe(EventType.RUN_FINISHED);
    const [start, args, , result] = events.slice(1, 5) as Array<BaseEvent & Record<string, string>>;
    expect(start).toMatchObject({ toolCallName: 'calculator' });
    expect(JSON.parse(args.delta)).toEqual(expect.any(Object));
    expect(result).toMatchObject({ toolCallId: start.toolCallId, role: 'tool' });
    expect(result.content).toContain('84');

    const stored = await storedMessages(t, id);
    const assistant = stored.filter((message) => message.role === 'assistant').at(-1)!;
    expect(textOf(events)).toBe(assistant.content);
    // The agent put the call on an assistant message and the result in a tool message.
    const withCall = agent.messages.find(
      (message) => message.role === 'assistant' && message.toolCalls?.length,
    );
    expect(withCall).toMatchObject({
      toolCalls: [{ id: start.toolCallId, function: { name: 'calculator' } }],
    });
    expect(agent.messages.find((message) => message.role === 'tool')).toMatchObject({
      toolCallId: start.toolCallId,
      content: result.content,
    });
  });

  it('streams the same run again for a repeated runId, storing one run', async () => {
    const id = await newConversation();
    const runId = randomUUID();
    const first = await runAgent(t, id, 'only once', { runId });
    const second = await runAgent(t, id, 'only once', { runId });
    expect(second.error).toBeUndefined();
    expect(textOf(second.events)).toBe(textOf(first.events));
    expect(await runsOf(id)).toHaveLength(1);
  });

  it("answers another user's thread with 404, which HttpAgent throws", async () => {
    const id = await newConversation(await tokenFor('someone-else'));
    // HttpAgent logs the failure before it throws it.
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const { events, error } = await runAgent(t, id, 'not mine').finally(() => logged.mockRestore());
    expect(error?.status).toBe(404);
    expect(error?.message).toContain('conversation_not_found');
    expect(events).toEqual([]);
    expect(await runsOf(id)).toHaveLength(0);
  });

  it('refuses a request without a token (401) and bad input (400 naming the field), storing nothing', async () => {
    const id = await newConversation();
    const user = { id: 'm1', role: 'user', content: 'hi' };
    const input = { threadId: id, runId: 'r1', messages: [user], tools: [], context: [] };
    expect((await request(t.server).post('/api/v1/ag-ui').send(input)).status).toBe(401);

    const post = (body: unknown) =>
      request(t.server)
        .post('/api/v1/ag-ui')
        .set('Authorization', `Bearer ${token}`)
        .send(body as object);
    const cases: Array<[unknown, string]> = [
      [{ ...input, threadId: undefined }, 'threadId'],
      [{ ...input, threadId: 'thread-1' }, 'threadId'],
      [{ ...input, runId: 'has spaces' }, 'runId'],
      [{ ...input, messages: [] }, 'messages'],
      [{ ...input, messages: ['hi'] }, 'messages'],
      [{ ...input, messages: [{ ...user, role: 'assistant' }] }, 'messages.0.role'],
      [{ ...input, messages: [{ ...user, content: 7 }] }, 'messages.0.content'],
      [
        { ...input, messages: [{ ...user, content: [{ type: 'text', text: 1 }] }] },
        'messages.0.content',
      ],
      [{ ...input, messages: [{ ...user, content: ' ' }] }, 'messages.0.content'],
      [{ ...input, tools: {} }, 'tools'],
      [{ ...input, surprise: 1 }, 'surprise'],
    ];
    for (const [body, field] of cases) {
      const res = await post(body);
      expectProblem(res, 400, 'validation_failed');
      expect(JSON.stringify(res.body)).toContain(`"${field}`);
    }
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

    it('ends the run with RUN_ERROR carrying the code, and HttpAgent reports it', async () => {
      fake.model.enqueue({ status: 500 }, { status: 500 }, { status: 500 });
      const id = await createConversation(failing.server, token);
      const errors: BaseEvent[] = [];
      const agent = new HttpAgent({
        url: `${failing.baseUrl}/api/v1/ag-ui`,
        headers: { Authorization: `Bearer ${token}` },
        threadId: id,
      });
      agent.addMessage({ id: 'm1', role: 'user', content: 'fail please' });
      const events: BaseEvent[] = [];
      await agent
        .runAgent(
          {},
          {
            onEvent: ({ event }) => void events.push(event),
            onRunErrorEvent: ({ event }) => void errors.push(event),
          },
        )
        .catch(() => undefined);
      expect(events.map((event) => event.type)).toEqual([
        EventType.RUN_STARTED,
        EventType.RUN_ERROR,
      ]);
      expect(errors).toEqual([expect.objectContaining({ code: 'llm_error' })]);
    });
  });
});
