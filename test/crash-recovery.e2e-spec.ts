import { findFreePort } from './support/free-port';
import { startServerProcess, waitForOk, type ServerProcess } from './support/server-process';
import { openStream, type StreamResult } from './support/stream-client';
import { cloneTestDatabase } from './support/test-app';

jest.setTimeout(120_000);

const LONG = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');

/**
 * Real server processes on one database, one of them killed with SIGKILL in the middle of a run:
 * the run is closed with a retryable `run_abandoned` error by any other instance within seconds,
 * or by the next one to start; every client learns how it ended, from whatever seq it holds, and
 * the conversation takes new messages.
 */
describe('A server killed mid-run (e2e, real processes)', () => {
  let database: { url: string; drop(): Promise<void> };
  const processes: ServerProcess[] = [];

  beforeAll(async () => {
    database = await cloneTestDatabase();
  });
  afterEach(async () => {
    for (const server of processes.splice(0)) {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
        await server.exited;
      }
    }
  });
  afterAll(() => database.drop());

  async function start(): Promise<string> {
    const port = await findFreePort();
    const server = startServerProcess({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      LOCAL_MODEL_TOKEN_DELAY_MS: '40',
      RUNS_ABANDONED_CHECK_MS: '500',
    });
    processes.push(server);
    const base = `http://127.0.0.1:${port}`;
    await waitForOk(`${base}/health/ready`);
    return base;
  }

  async function newConversation(base: string): Promise<string> {
    const response = await fetch(`${base}/api/v1/conversations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    return ((await response.json()) as { id: string }).id;
  }

  /** Starts a long run on `base` and disconnects once `count` events arrived. */
  function startRun(base: string, id: string, count: number): Promise<StreamResult> {
    return openStream(base, {
      path: `/api/v1/conversations/${id}/stream`,
      body: { content: LONG },
      onChunk: (_, soFar) => (soFar.match(/^id: /gm) ?? []).length >= count,
    });
  }

  async function polled(base: string, id: string) {
    const response = await fetch(`${base}/api/v1/conversations/${id}/events`);
    return (await response.json()) as {
      events: Array<{ type: string; seq: number; code?: string; retryable?: boolean }>;
      done: boolean;
    };
  }

  const abandoned = { type: 'error', code: 'run_abandoned', retryable: true };

  it('is closed by another instance within seconds, and every client reaches the end', async () => {
    const [owner, other] = [await start(), await start()];
    const id = await newConversation(owner);
    const held = await startRun(owner, id, 3);
    const last = held.events.at(-1)!;
    // A follower on the other instance, live when the owner dies.
    const following = openStream(other, {
      method: 'GET',
      path: `/api/v1/conversations/${id}/stream`,
      headers: { 'Last-Event-ID': `${last.run_id}:${last.seq}` },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = Date.now();
    processes[0].child.kill('SIGKILL');
    await processes[0].exited;

    const followed = await following;
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    expect(followed.events.at(-1)).toMatchObject(abandoned);
    const seqs = [...held.events, ...followed.events].map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));

    // Resuming after the seq the first client holds reaches the same terminal event.
    const resumed = await openStream(other, {
      method: 'GET',
      path: `/api/v1/conversations/${id}/stream`,
      headers: { 'Last-Event-ID': `${last.run_id}:${last.seq}` },
    });
    expect(resumed.events).toEqual(followed.events);
    const page = await polled(other, id);
    expect(page.done).toBe(true);
    expect(page.events.at(-1)).toMatchObject(abandoned);

    // The conversation takes a new message, and nothing is left to cancel.
    const cancel = await fetch(`${other}/api/v1/conversations/${id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(409);
    const next = await fetch(`${other}/api/v1/conversations/${id}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ content: 'are you there?' }),
    });
    expect(next.status).toBe(201);
  });

  it('is closed at start-up by the next process when no other instance was running', async () => {
    const owner = await start();
    const id = await newConversation(owner);
    const held = await startRun(owner, id, 2);
    const last = held.events.at(-1)!;
    processes[0].child.kill('SIGKILL');
    await processes[0].exited;

    const restarted = await start();
    const page = await polled(restarted, id);
    expect(page.done).toBe(true);
    expect(page.events.at(-1)).toMatchObject(abandoned);
    // No seq a client held was handed out again: the error comes after everything it saw.
    expect(page.events.at(-1)!.seq).toBeGreaterThan(last.seq);
    const resumed = await openStream(restarted, {
      method: 'GET',
      path: `/api/v1/conversations/${id}/stream`,
      headers: { 'Last-Event-ID': `${last.run_id}:${last.seq}` },
    });
    expect(resumed.events.at(-1)).toMatchObject(abandoned);
    expect(resumed.events[0].seq).toBe(last.seq + 1);

    const next = await fetch(`${restarted}/api/v1/conversations/${id}/stream`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ content: 'hello again' }),
    });
    expect(next.status).toBe(200);
    expect(await next.text()).toContain('event: complete_state');
  });
});
