import {
  AgentApiError,
  AgentClient,
  type MessageChunkEvent,
  readSse,
  type RunEvent,
  type RunResult,
  type SseMessage,
} from '../packages/client/src/index';
import { startCuttingProxy, type CuttingProxy } from './support/cutting-proxy';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

jest.setTimeout(90_000);

/** A message whose local-model answer streams for a while (one word per LOCAL_MODEL_TOKEN_DELAY_MS). */
const LONG = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');

/** One request the client sent, as the server received it (the real fetch does the work). */
interface SeenRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  status?: number;
  /** The answer's `Retry-After`, when it had one. */
  retryAfter?: string;
  /** `Date.now()` when the request was sent, and when its answer was handed to the client. */
  sentAt: number;
  answeredAt?: number;
}

/**
 * The real fetch, with every request and its answer's status written down. `onAnswer` runs before
 * the client gets the answer (to change the server's state between a refusal and its retry).
 */
function recordingFetch(
  seen: SeenRequest[],
  onAnswer?: (response: Response) => Promise<void>,
): typeof fetch {
  return async (input, init) => {
    const entry: SeenRequest = {
      method: init?.method ?? 'GET',
      url: typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      headers: { ...(init?.headers as Record<string, string>) },
      sentAt: Date.now(),
    };
    seen.push(entry);
    const response = await fetch(input, init);
    entry.status = response.status;
    entry.retryAfter = response.headers.get('Retry-After') ?? undefined;
    await onAnswer?.(response);
    entry.answeredAt = Date.now();
    return response;
  };
}

/** Asserts the run's events arrived once each, in order, ending with its one terminal event. */
function expectWholeRun(events: RunEvent[]): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(new Set(events.map((e) => e.run_id)).size).toBe(1);
  expect(events.filter((e) => e.type === 'complete_state' || e.type === 'error')).toHaveLength(1);
  const last = events.at(-1)!;
  expect(last.type).toBe('complete_state');
  if (last.type === 'complete_state') {
    const text = events
      .filter((e): e is MessageChunkEvent => e.type === 'message_chunk')
      .map((e) => e.content)
      .join('');
    expect(text).toBe(last.message);
  }
}

/** The typed client of packages/client against the real server (issue #15, item 2). */
describe('@agent-server/client (e2e)', () => {
  let t: TestApp;
  let proxy: CuttingProxy;
  let token: string;
  let seen: SeenRequest[];
  let client: AgentClient;
  /** A client whose connections pass through the proxy that cuts them. */
  let dropping: AgentClient;

  beforeAll(async () => {
    // One event per word, a word every 20 ms: a run lasts long enough to be cut in the middle.
    t = await startTestApp({ LOCAL_MODEL_TOKEN_DELAY_MS: '20', STREAM_CHUNK_WINDOW_MS: '0' });
    proxy = await startCuttingProxy(Number(new URL(t.baseUrl).port));
    token = await tokenFor('client-package');
  });
  beforeEach(() => {
    seen = [];
    client = new AgentClient({ baseUrl: t.baseUrl, token, fetch: recordingFetch(seen) });
    dropping = new AgentClient({ baseUrl: proxy.baseUrl, token, fetch: recordingFetch(seen) });
  });
  afterAll(async () => {
    await proxy.close();
    await t.close();
  });

  it('creates, lists, reads, renames and deletes conversations', async () => {
    const created = await client.createConversation({ title: 'Trip', metadata: { a: 1 } });
    expect(created).toMatchObject({ title: 'Trip', metadata: { a: 1 }, message_count: 0 });
    const page = await client.listConversations({ limit: 100 });
    expect(page.items.map((c) => c.id)).toContain(created.id);
    expect(await client.getConversation(created.id)).toMatchObject({ id: created.id });
    expect(await client.updateConversation(created.id, { title: 'Holiday' })).toMatchObject({
      title: 'Holiday',
    });
    await client.deleteConversation(created.id);
    const missing = await client.getConversation(created.id).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(AgentApiError);
    expect(missing).toMatchObject({ status: 404, code: 'conversation_not_found' });
  });

  it('sends a message with an Idempotency-Key, and the same key returns the same run', async () => {
    const { id } = await client.createConversation();
    const first = (await client.send(id, 'hello there')) as RunResult;
    expect(first.assistant_message.role).toBe('assistant');
    const sends = seen.filter((r) => r.method === 'POST' && r.url.endsWith('/messages'));
    expect(sends[0].headers['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/);

    const again = (await client.send(id, 'once', { idempotencyKey: 'key-1' })) as RunResult;
    const repeat = (await client.send(id, 'once', { idempotencyKey: 'key-1' })) as RunResult;
    expect(repeat.assistant_message.id).toBe(again.assistant_message.id);
    const messages = await client.listMessages(id);
    expect(messages.items.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it('streams a run as typed events, with tool calls and their results', async () => {
    const { id } = await client.createConversation();
    const stream = client.stream(id, 'what is 12 * (3 + 4)?');
    const events = await stream.collect();
    expectWholeRun(events);
    const call = events.find((e) => e.type === 'tool_call');
    const result = events.find((e) => e.type === 'tool_result');
    expect(call).toMatchObject({ tool_name: 'calculator', args: { expression: '12 * (3 + 4)' } });
    expect(result).toMatchObject({ tool_name: 'calculator', result: '84', is_error: false });
    expect(stream.lastEventId).toBe(`${events[0].run_id}:${events.length}`);
    expect(stream.resumes).toBe(0);
    const post = seen.find((r) => r.url.endsWith('/stream'))!;
    expect(post.headers['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('decides on a paused run: send() answers awaiting_approval, approve() streams the rest', async () => {
    const { id } = await client.createConversation();
    const paused = await client.send(id, 'Remind me to water the plants');
    if (!('status' in paused)) throw new Error('The run did not pause');
    expect(paused.approvals).toEqual([
      expect.objectContaining({ tool_name: 'set_reminder', args: { text: 'water the plants' } }),
    ]);
    const [call] = paused.approvals;
    const rest = await client
      .approve(id, paused.run_id, [
        { tool_call_id: call.tool_call_id, decision: 'edit', args: { text: 'call Alex' } },
      ])
      .collect();
    expect(rest.every((e) => e.run_id === paused.run_id)).toBe(true);
    expect(rest).toContainEqual(
      expect.objectContaining({ type: 'tool_result', result: 'Reminder set: "call Alex".' }),
    );
    expect(rest.at(-1)).toMatchObject({ type: 'complete_state', finish_reason: 'stop' });
    // A stream that pauses ends with the approval_required events.
    const streamed = await client.stream(id, 'Remind me to call Sam').collect();
    expect(streamed.at(-1)).toMatchObject({ type: 'approval_required', tool_name: 'set_reminder' });
  });

  it('answers again, edits, switches branch and searches, each in one call', async () => {
    const { id } = await client.createConversation();
    await client.send(id, 'tell me about penguins');
    const [question, answer] = (await client.listMessages(id)).items;

    // Regenerate: a second answer beside the first, which stays.
    expectWholeRun(await client.regenerate(id, answer.id).collect());
    const answered = (await client.listMessages(id)).items;
    expect(answered.map((m) => m.role)).toEqual(['user', 'assistant']);
    const second = answered[1];
    expect(second).toMatchObject({ parent_id: question.id, sibling_count: 2, sibling_index: 1 });
    expect(second.sibling_ids).toEqual([answer.id, second.id]);

    // Edit, through a connection dropped mid-answer: resumed once, with the same key.
    proxy.cutNextStreamAfter(4);
    const edited = dropping.edit(id, question.id, `tell me about puffins ${LONG}`);
    expectWholeRun(await edited.collect());
    expect(edited.resumes).toBe(1);
    const edits = seen.filter((r) => r.url.endsWith(`/messages/${question.id}/edit`));
    expect(edits).toHaveLength(2);
    expect(edits[1].headers['Idempotency-Key']).toBe(edits[0].headers['Idempotency-Key']);
    const branch = (await client.listMessages(id)).items;
    expect(branch.map((m) => [m.role, m.sibling_index, m.sibling_count])).toEqual([
      ['user', 1, 2],
      ['assistant', 0, 1],
    ]);
    expect(branch[0].content).toBe(`tell me about puffins ${LONG}`);

    // Back to the first question: its branch ends at its newest answer.
    expect(await client.switchBranch(id, question.id)).toEqual({
      message_id: question.id,
      active_leaf_id: second.id,
    });
    expect((await client.listMessages(id)).items.map((m) => m.id)).toEqual([
      question.id,
      second.id,
    ]);

    // Search finds the edited branch's words, for its owner only.
    const hits = await client.searchConversations('puffins');
    expect(hits.items.map((hit) => hit.id)).toEqual([id]);
    expect(hits.items[0].snippet).toContain('<mark>puffins</mark>');
    // The best message: the edited question or its answer (the local model repeats the words).
    expect(branch.map((m) => m.id)).toContain(hits.items[0].snippet_message_id);
    const stranger = new AgentClient({ baseUrl: t.baseUrl, token: await tokenFor('stranger') });
    expect((await stranger.searchConversations('puffins')).items).toEqual([]);
  });

  it('starts a background run, follows it and reads how it ended', async () => {
    const { id } = await client.createConversation();
    const started = await client.startRun(id, 'hello from the background');
    expect(started).toMatchObject({ conversation_id: id, webhook_url: null });
    const followed = await client.resume(id).collect();
    expectWholeRun(followed);
    expect(followed[0].run_id).toBe(started.run_id);
    const run = await client.getRun(id, started.run_id);
    const last = followed.at(-1)!;
    expect(run).toMatchObject({ status: 'completed', finish_reason: 'stop' });
    expect(run.message?.content).toBe(last.type === 'complete_state' && last.message);
  });

  it('resumes a stream dropped mid-answer once, and delivers every seq exactly once', async () => {
    const { id } = await dropping.createConversation();
    proxy.cutNextStreamAfter(4);
    const resumedAfter: Array<string | undefined> = [];
    const stream = dropping.stream(id, LONG, { onResume: (last) => resumedAfter.push(last) });
    const events = await stream.collect();
    await proxy.cuts;

    expectWholeRun(events);
    expect(events.length).toBeGreaterThan(10);
    expect(stream.resumes).toBe(1);
    expect(resumedAfter).toEqual([`${events[0].run_id}:4`]);
    // The retry is the same send (same key) continuing after the last event it had.
    const posts = seen.filter((r) => r.method === 'POST' && r.url.endsWith('/stream'));
    expect(posts).toHaveLength(2);
    expect(posts[1].headers['Idempotency-Key']).toBe(posts[0].headers['Idempotency-Key']);
    expect(posts[1].headers['Last-Event-ID']).toBe(`${events[0].run_id}:4`);
    // One run, one answer stored.
    const messages = await client.listMessages(id);
    expect(messages.items.map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it('falls back to polling /events when the stream cannot be resumed', async () => {
    const { id } = await dropping.createConversation();
    proxy.cutNextStreamAfter(3);
    const stream = dropping.stream(id, LONG, { maxResumes: 0, pollIntervalMs: 50 });
    const events = await stream.collect();
    expectWholeRun(events);
    expect(stream.transport).toBe('polling');
    expect(seen.some((r) => r.url.includes(`/conversations/${id}/events?after=`))).toBe(true);
  });

  it('reads a run by polling alone when asked to, ignoring the run before it', async () => {
    const { id } = await client.createConversation();
    await client.send(id, 'an earlier question');
    const stream = client.stream(id, LONG, { transport: 'polling', pollIntervalMs: 50 });
    const events = await stream.collect();
    expectWholeRun(events);
    const last = events.at(-1)!;
    expect(last.type === 'complete_state' && last.message).toContain('word39');
  });

  it('follows a run from a saved event id (a reload), and ends at once when nothing is left', async () => {
    const { id } = await client.createConversation();
    const first = client.stream(id, LONG);
    const head: RunEvent[] = [];
    for await (const event of first) {
      head.push(event);
      if (head.length === 5) break;
    }
    const rest = await client.resume(id, { lastEventId: first.lastEventId }).collect();
    expectWholeRun([...head, ...rest]);
    expect(
      await client
        .resume(id, { lastEventId: rest.at(-1) && `${rest.at(-1)!.run_id}:${rest.at(-1)!.seq}` })
        .collect(),
    ).toEqual([]);
  });

  it('stops on AbortSignal and cancels the run on the server', async () => {
    const { id } = await client.createConversation();
    const controller = new AbortController();
    const events: RunEvent[] = [];
    const reading = (async () => {
      for await (const event of client.stream(id, LONG, { signal: controller.signal })) {
        events.push(event);
        if (events.length === 3) controller.abort();
      }
    })();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen.some((r) => r.url.endsWith(`/conversations/${id}/cancel`))).toBe(true);
    // The run ends cancelled with the partial answer.
    let page = await client.events(id);
    for (let i = 0; !page.done && i < 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      page = await client.events(id);
    }
    expect(page.events.at(-1)).toMatchObject({
      type: 'complete_state',
      finish_reason: 'cancelled',
    });
  });

  it('answers 409 run_active with the run in the way, which resume() then follows', async () => {
    const { id } = await client.createConversation();
    const running = client.stream(id, LONG);
    const iterator = running[Symbol.asyncIterator]();
    const first = await iterator.next();
    const error = await client.send(id, 'too soon').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentApiError);
    expect(error).toMatchObject({ status: 409, code: 'run_active' });
    expect((error as AgentApiError).runId).toBe((first.value as RunEvent).run_id);
    expect((error as AgentApiError).retryAfterMs).toBeGreaterThan(0);
    await iterator.return?.();
    const followed = await client.resume(id).collect();
    expectWholeRun(followed);
  });
});

describe('@agent-server/client retries (e2e)', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MAX: '3', RATE_LIMIT_TTL_MS: '1000' });
    token = await tokenFor('client-retries');
  });
  afterAll(() => t.close());

  it('honours Retry-After on 429, within a bounded number of retries', async () => {
    const seen: SeenRequest[] = [];
    const patient = new AgentClient({ baseUrl: t.baseUrl, token, fetch: recordingFetch(seen) });
    for (let i = 0; i < 6; i++) await patient.listConversations();
    const limited = seen.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(seen.filter((r) => r.status === 200)).toHaveLength(6);

    const impatient = new AgentClient({ baseUrl: t.baseUrl, token, maxRetries: 0 });
    let error: unknown;
    for (let i = 0; i < 5 && !error; i++) {
      error = await impatient.listConversations().then(
        () => undefined,
        (e: unknown) => e,
      );
    }
    expect(error).toBeInstanceOf(AgentApiError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limited' });
    expect((error as AgentApiError).retryAfterMs).toBeGreaterThanOrEqual(1000);
  });
});

describe('@agent-server/client retries on 503 (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // One run at a time in the whole process: a second start is refused with 503 and Retry-After.
    // A word every 200 ms: the run in the way lasts (half a minute) until the test cancels it.
    t = await startTestApp({ RUNS_MAX_ACTIVE: '1', LOCAL_MODEL_TOKEN_DELAY_MS: '200' });
  });
  afterAll(() => t.close());

  /** 150 words: the run in the way answers for 30 s unless cancelled. */
  const IN_THE_WAY = Array.from({ length: 150 }, (_, i) => `word${i}`).join(' ');

  it('honours Retry-After on 503 as on 429: waits it out once, then the send succeeds', async () => {
    // Another user's background run takes the one place.
    const other = new AgentClient({
      baseUrl: t.baseUrl,
      token: await tokenFor('client-503-other'),
    });
    const busy = await other.createConversation();
    const blocking = await other.startRun(busy.id, IN_THE_WAY);

    // The server's own 503: when it arrives, the run in the way is cancelled, and has ended,
    // before the client reads the refusal; so the retry it makes after Retry-After is admitted.
    const seen: SeenRequest[] = [];
    let freed = false;
    const freeThePlace = async (response: Response) => {
      if (response.status !== 503 || freed) return;
      freed = true;
      await other.cancel(busy.id);
      await waitFor(async () =>
        (await other.getRun(busy.id, blocking.run_id)).status === 'running' ? undefined : true,
      );
    };
    const client = new AgentClient({
      baseUrl: t.baseUrl,
      token: await tokenFor('client-503'),
      fetch: recordingFetch(seen, freeThePlace),
    });
    const { id } = await client.createConversation();

    const result = (await client.send(id, 'hello after the wait')) as RunResult;
    expect(result.assistant_message).toMatchObject({ role: 'assistant' });
    const sends = seen.filter((r) => r.method === 'POST' && r.url.endsWith('/messages'));
    expect(sends.map((r) => [r.status, r.retryAfter])).toEqual([
      [503, '1'],
      [201, undefined],
    ]);
    // Retry-After: 1 was waited for (the backoff used without it would be 0.5 s ± 25 %), and the
    // retry is the same send.
    expect(sends[1].sentAt - sends[0].answeredAt!).toBeGreaterThanOrEqual(950);
    expect(sends[1].headers['Idempotency-Key']).toBe(sends[0].headers['Idempotency-Key']);
    const messages = await client.listMessages(id);
    expect(messages.items.map((m) => m.role)).toEqual(['user', 'assistant']);
  });
});

describe('@agent-server/client SSE parser', () => {
  /** The messages `readSse` reads from a body that arrives in these pieces. */
  const parse = async (...pieces: string[]): Promise<SseMessage[]> => {
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of pieces) controller.enqueue(encoder.encode(piece));
        controller.close();
      },
    });
    const messages: SseMessage[] = [];
    for await (const message of readSse(body)) messages.push(message);
    return messages;
  };

  it('dispatches only blocks with data: comments and retry alone dispatch nothing', async () => {
    expect(await parse(': connected\n: keep-alive\n', 'retry: 3000\n\n')).toEqual([]);
    expect(await parse(': connected\nretry: 3000\nid: r:1\nevent: a\ndata: {}\n\n')).toEqual([
      { id: 'r:1', event: 'a', data: '{}' },
    ]);
  });

  it('reads lines split anywhere, CRLF and CR endings, and multi-line data', async () => {
    expect(
      await parse(
        'id: r:1\r',
        '\nevent: x\r\ndata: {"a"',
        ':1}\r\n\r',
        '\ndata: one\rdata: two\r\r',
      ),
    ).toEqual([
      { id: 'r:1', event: 'x', data: '{"a":1}' },
      { id: 'r:1', event: 'message', data: 'one\ntwo' },
    ]);
  });

  it('drops a message cut off before its blank line, as a browser does', async () => {
    expect(await parse('id: r:1\ndata: {}\n\nid: r:2\ndata: {"cut"')).toEqual([
      { id: 'r:1', event: 'message', data: '{}' },
    ]);
  });

  it('decodes a multi-byte character split between two pieces', async () => {
    const bytes = new TextEncoder().encode('data: é€\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 7));
        controller.enqueue(bytes.slice(7));
        controller.close();
      },
    });
    const messages: SseMessage[] = [];
    for await (const message of readSse(body)) messages.push(message);
    expect(messages.map((m) => m.data)).toEqual(['é€']);
  });
});
