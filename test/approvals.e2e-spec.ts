import request from 'supertest';
import { findFreePort } from './support/free-port';
import { expectProblem } from './support/problem';
import { sample } from './support/prometheus-sample';
import { startServerProcess, waitForOk, type ServerProcess } from './support/server-process';
import { openStream, type StreamResult } from './support/stream-client';
import { cloneTestDatabase, startTestApp, tokenFor, type TestApp } from './support/test-app';

jest.setTimeout(120_000);

type Event = StreamResult['events'][number];

const REMINDER = 'Remind me to water the plants';

/**
 * Tool approval (human in the loop) over real HTTP on real PostgreSQL: `set_reminder` needs
 * approval (the default `TOOLS_REQUIRE_APPROVAL`), and the offline local model calls it for
 * "remind me to …". The run pauses with `approval_required`, and a decision continues the same run
 * on any instance, also after the instance that paused it was killed.
 */
describe('Tool approval (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  let token: string;

  beforeAll(async () => {
    a = await startTestApp({ LOCAL_MODEL_TOKEN_DELAY_MS: '0', RATE_LIMIT_MAX: '0' });
    // A second instance of the service on the same database.
    b = await startTestApp(
      { LOCAL_MODEL_TOKEN_DELAY_MS: '0', RATE_LIMIT_MAX: '0' },
      { shareDatabaseWith: a },
    );
    token = await tokenFor('approver');
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  async function newConversation(t: TestApp, who = token): Promise<string> {
    const created = await request(t.server)
      .post('/api/v1/conversations')
      .set('Authorization', `Bearer ${who}`)
      .send({});
    return created.body.id as string;
  }

  function stream(t: TestApp, path: string, body: unknown, who = token): Promise<StreamResult> {
    return openStream(t.baseUrl, { path: `/api/v1/conversations/${path}`, token: who, body });
  }

  /** Starts a run that pauses; answers its events and the pending call. */
  async function paused(t: TestApp, id: string, content = REMINDER) {
    const started = await stream(t, `${id}/stream`, { content });
    expect(started.status).toBe(200);
    const pending = started.events.filter((e) => e.type === 'approval_required');
    expect(pending).toHaveLength(1);
    return { events: started.events, runId: started.events[0].run_id, call: pending[0] };
  }

  function decide(t: TestApp, id: string, runId: string, decisions: unknown, who = token) {
    return stream(t, `${id}/runs/${runId}/approvals`, { decisions }, who);
  }

  async function messages(t: TestApp, id: string) {
    const response = await request(t.server)
      .get(`/api/v1/conversations/${id}/messages`)
      .set('Authorization', `Bearer ${token}`);
    return response.body.items as Array<Record<string, unknown>>;
  }

  it('pauses before the call: approval_required ends the stream, the run awaits a decision', async () => {
    const id = await newConversation(a);
    const { events, runId, call } = await paused(a, id);
    expect(events.map((e) => e.type)).toEqual(['tool_call', 'approval_required']);
    expect(call).toMatchObject({
      run_id: runId,
      tool_name: 'set_reminder',
      args: { text: 'water the plants' },
    });
    expect(call.tool_call_id).toBe(events[0].tool_call_id);
    // Nothing ran: no tool_result, no terminal event. Polling says so too.
    const polled = await request(a.server)
      .get(`/api/v1/conversations/${id}/events`)
      .set('Authorization', `Bearer ${token}`);
    expect(polled.body.events.map((e: Event) => e.type)).toEqual([
      'tool_call',
      'approval_required',
    ]);
    // The paused run still holds the conversation.
    const another = await request(a.server)
      .post(`/api/v1/conversations/${id}/messages`)
      .set('Authorization', `Bearer ${token}`)
      .send({ content: 'hello' });
    expectProblem(another, 409, 'run_active');
    expect(another.body.run_id).toBe(runId);
    // The assistant's call is stored, so the history is whole whatever the decision.
    const stored = await messages(a, id);
    expect(stored.map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it('goes on when approved on another instance: same run, seq continues, the tool runs once', async () => {
    const id = await newConversation(a);
    const { events, runId, call } = await paused(a, id);
    const rest = await decide(b, id, runId, [
      { tool_call_id: call.tool_call_id, decision: 'approve' },
    ]);
    expect(rest.status).toBe(200);
    expect(rest.events.every((e) => e.run_id === runId)).toBe(true);
    expect(rest.events[0].seq).toBe(events[events.length - 1].seq + 1);
    rest.events.forEach((e, i) => expect(e.seq).toBe(rest.events[0].seq + i));
    const results = rest.events.filter((e) => e.type === 'tool_result');
    expect(results).toEqual([
      expect.objectContaining({ is_error: false, result: 'Reminder set: "water the plants".' }),
    ]);
    const end = rest.events[rest.events.length - 1];
    expect(end).toMatchObject({ type: 'complete_state', finish_reason: 'stop' });
    expect(end.message).toBe('Done. Reminder set: "water the plants".');
    const stored = await messages(a, id);
    expect(stored.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(stored[3].content).toBe(end.message);
    // Deciding again is a conflict: the run is over.
    const again = await request(b.server)
      .post(`/api/v1/conversations/${id}/runs/${runId}/approvals`)
      .set('Authorization', `Bearer ${token}`)
      .send({ decisions: [{ tool_call_id: call.tool_call_id, decision: 'approve' }] });
    expectProblem(again, 409, 'run_not_awaiting_approval');
    // And the whole run reads as one from the start, on either instance.
    const resumed = await openStream(b.baseUrl, {
      method: 'GET',
      path: `/api/v1/conversations/${id}/stream`,
      token,
    });
    expect(resumed.events.map((e) => e.seq)).toEqual([...events, ...rest.events].map((e) => e.seq));
  });

  it('turns a rejection into an error result the model reads; an edit runs other arguments', async () => {
    const id = await newConversation(a);
    const first = await paused(a, id);
    const rejected = await decide(a, id, first.runId, [
      { tool_call_id: first.call.tool_call_id, decision: 'reject', message: 'Not now.' },
    ]);
    expect(rejected.events).toContainEqual(
      expect.objectContaining({ type: 'tool_result', is_error: true, result: 'Not now.' }),
    );
    expect(rejected.events.at(-1)).toMatchObject({
      type: 'complete_state',
      message: 'The set_reminder tool failed: Not now.',
    });

    const second = await paused(a, id, 'Remind me to call Sam');
    const edited = await decide(a, id, second.runId, [
      { tool_call_id: second.call.tool_call_id, decision: 'edit', args: { text: 'call Alex' } },
    ]);
    expect(edited.events).toContainEqual(
      expect.objectContaining({ type: 'tool_result', result: 'Reminder set: "call Alex".' }),
    );
  });

  it('answers POST /messages with 202 and the pending calls when the run pauses', async () => {
    const id = await newConversation(a);
    const response = await request(a.server)
      .post(`/api/v1/conversations/${id}/messages`)
      .set('Authorization', `Bearer ${token}`)
      .send({ content: REMINDER });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      run_id: expect.any(String),
      status: 'awaiting_approval',
      approvals: [
        {
          tool_call_id: expect.any(String),
          tool_name: 'set_reminder',
          args: { text: 'water the plants' },
        },
      ],
    });
  });

  it('cancels a paused run: it ends as cancelled and the conversation takes messages again', async () => {
    const id = await newConversation(a);
    const { runId } = await paused(a, id);
    const cancelledRuns = async () =>
      sample(
        (await request(b.server).get('/metrics').expect(200)).text,
        'agent_server_runs_finished_total',
        {
          outcome: 'cancelled',
          reason: 'cancelled',
        },
      ) ?? 0;
    const cancelledBefore = await cancelledRuns();
    const cancel = await request(b.server)
      .post(`/api/v1/conversations/${id}/cancel`)
      .set('Authorization', `Bearer ${token}`);
    expect(cancel.status).toBe(202);
    expect(cancel.body).toEqual({ run_id: runId, status: 'cancelling' });
    const polled = await request(a.server)
      .get(`/api/v1/conversations/${id}/events`)
      .set('Authorization', `Bearer ${token}`);
    expect(polled.body.done).toBe(true);
    expect(polled.body.events.at(-1)).toMatchObject({
      type: 'complete_state',
      finish_reason: 'cancelled',
    });
    // The instance that ended it counts it by outcome, although it never executed the run.
    expect(await cancelledRuns()).toBe(cancelledBefore + 1);
    const next = await request(a.server)
      .post(`/api/v1/conversations/${id}/messages`)
      .set('Authorization', `Bearer ${token}`)
      .send({ content: 'what is 2 + 2?' });
    expect(next.status).toBe(201);
  });

  it('refuses bad decisions with 4xx and keeps the run waiting', async () => {
    const id = await newConversation(a);
    const { runId, call } = await paused(a, id);
    const post = (body: unknown, path = `${id}/runs/${runId}/approvals`, who = token) =>
      request(a.server)
        .post(`/api/v1/conversations/${path}`)
        .set('Authorization', `Bearer ${who}`)
        .send(body as object);
    const bad: Array<[unknown, string]> = [
      [{}, 'validation_failed'],
      [{ decisions: [] }, 'validation_failed'],
      [{ decisions: 'approve' }, 'validation_failed'],
      [
        { decisions: [{ tool_call_id: call.tool_call_id, decision: 'maybe' }] },
        'validation_failed',
      ],
      [{ decisions: [{ tool_call_id: 'nope', decision: 'approve' }] }, 'validation_failed'],
      [{ decisions: [{ tool_call_id: call.tool_call_id, decision: 'edit' }] }, 'validation_failed'],
      [
        { decisions: [{ tool_call_id: call.tool_call_id, decision: 'approve', args: {} }] },
        'validation_failed',
      ],
      [
        {
          decisions: [
            { tool_call_id: call.tool_call_id, decision: 'approve' },
            { tool_call_id: call.tool_call_id, decision: 'reject' },
          ],
        },
        'validation_failed',
      ],
    ];
    for (const [body, code] of bad) expectProblem(await post(body), 400, code);
    const nul = await post({ decisions: [{ tool_call_id: 'a\u0000b', decision: 'approve' }] });
    expect(nul.status).toBe(400);
    expectProblem(
      await post({ decisions: [] }, `${id}/runs/not-a-uuid/approvals`),
      400,
      'validation_failed',
    );
    const unknownRun = await post(
      { decisions: [{ tool_call_id: call.tool_call_id, decision: 'approve' }] },
      `${id}/runs/00000000-0000-4000-8000-000000000000/approvals`,
    );
    expectProblem(unknownRun, 404, 'run_not_found');
    // Another user's run is not theirs to see.
    const stranger = await tokenFor('stranger');
    const theirs = await post(
      { decisions: [{ tool_call_id: call.tool_call_id, decision: 'approve' }] },
      undefined,
      stranger,
    );
    expect(theirs.status).toBe(404);
    // A run of another conversation, named under one's own.
    const mine = await newConversation(a);
    const crossed = await post(
      { decisions: [{ tool_call_id: call.tool_call_id, decision: 'approve' }] },
      `${mine}/runs/${runId}/approvals`,
    );
    expectProblem(crossed, 404, 'run_not_found');
    // Still waiting: a good decision goes through.
    const ok = await decide(a, id, runId, [
      { tool_call_id: call.tool_call_id, decision: 'approve' },
    ]);
    expect(ok.events.at(-1)).toMatchObject({ type: 'complete_state' });
  });
});

describe('Tool approval expiry (e2e)', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp({
      LOCAL_MODEL_TOKEN_DELAY_MS: '0',
      RUNS_APPROVAL_TIMEOUT_MS: '1000',
      RUNS_ABANDONED_CHECK_MS: '200',
    });
    token = await tokenFor('forgetful');
  });
  afterAll(() => t.close());

  it('ends a run nobody decided on with approval_expired, and frees the conversation', async () => {
    const created = await request(t.server)
      .post('/api/v1/conversations')
      .set('Authorization', `Bearer ${token}`)
      .send({});
    const id = created.body.id as string;
    const started = await openStream(t.baseUrl, {
      path: `/api/v1/conversations/${id}/stream`,
      token,
      body: { content: REMINDER },
    });
    const runId = started.events[0].run_id;
    // Someone following the run learns how it ended.
    const followed = await openStream(t.baseUrl, {
      method: 'GET',
      path: `/api/v1/conversations/${id}/stream`,
      token,
      headers: { 'Last-Event-ID': `${runId}:${started.events.at(-1)!.seq}` },
    });
    // The stream of a paused run ends at once; the expiry comes later: poll for it.
    expect(followed.status === 204 || followed.events.length === 0).toBe(true);
    let last: Event | undefined;
    for (let i = 0; i < 100 && last?.type !== 'error'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const polled = await request(t.server)
        .get(`/api/v1/conversations/${id}/events`)
        .set('Authorization', `Bearer ${token}`);
      last = polled.body.events.at(-1);
    }
    expect(last).toMatchObject({ type: 'error', code: 'approval_expired', retryable: true });
    const late = await request(t.server)
      .post(`/api/v1/conversations/${id}/runs/${runId}/approvals`)
      .set('Authorization', `Bearer ${token}`)
      .send({ decisions: [{ tool_call_id: started.events[1].tool_call_id, decision: 'approve' }] });
    expectProblem(late, 409, 'run_not_awaiting_approval');
    const next = await request(t.server)
      .post(`/api/v1/conversations/${id}/messages`)
      .set('Authorization', `Bearer ${token}`)
      .send({ content: 'hello again' });
    expect(next.status).toBe(201);
  });
});

describe('Tool approval after a restart (e2e, real processes)', () => {
  let database: { url: string; drop(): Promise<void> };
  const processes: ServerProcess[] = [];

  beforeAll(async () => {
    database = await cloneTestDatabase();
  });
  afterAll(async () => {
    for (const server of processes) {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
        await server.exited;
      }
    }
    await database.drop();
  });

  async function start(): Promise<{ base: string; server: ServerProcess }> {
    const port = await findFreePort();
    const server = startServerProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      LOCAL_MODEL_TOKEN_DELAY_MS: '0',
    });
    processes.push(server);
    const base = `http://127.0.0.1:${port}`;
    await waitForOk(`${base}/health/ready`);
    return { base, server };
  }

  it('continues a run paused by a process that was killed since (SIGKILL)', async () => {
    const first = await start();
    const created = await fetch(`${first.base}/api/v1/conversations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    const id = ((await created.json()) as { id: string }).id;
    const started = await openStream(first.base, {
      path: `/api/v1/conversations/${id}/stream`,
      body: { content: REMINDER },
    });
    const call = started.events.find((e) => e.type === 'approval_required')!;
    first.server.child.kill('SIGKILL');
    await first.server.exited;

    const second = await start();
    const rest = await openStream(second.base, {
      path: `/api/v1/conversations/${id}/runs/${call.run_id}/approvals`,
      body: { decisions: [{ tool_call_id: call.tool_call_id, decision: 'approve' }] },
    });
    expect(rest.status).toBe(200);
    expect(rest.events[0].seq).toBe(call.seq + 1);
    expect(rest.events.at(-1)).toMatchObject({
      type: 'complete_state',
      message: 'Done. Reminder set: "water the plants".',
    });
  });
});
