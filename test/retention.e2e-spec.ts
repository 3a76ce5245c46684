import { Client } from 'pg';
import request from 'supertest';
import { expectProblem } from './support/problem';
import { openStream } from './support/stream-client';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

jest.setTimeout(120_000);

/** The retention job's advisory lock (see src/runs/run-events.retention.ts). */
const RETENTION_LOCK = '1920298611, 1919251557';

describe('Retention of run events, and the resync signal (e2e)', () => {
  let t: TestApp;
  let token: string;
  let auth: string;
  let db: Client;

  beforeAll(async () => {
    t = await startTestApp({
      LOCAL_MODEL_TOKEN_DELAY_MS: '2',
      RUNS_EVENTS_RETENTION_MS: '1000',
      RUNS_EVENTS_RETENTION_CHECK_MS: '200',
      // Smaller than the runs to delete: the job goes batch after batch.
      RUNS_EVENTS_RETENTION_BATCH: '2',
    });
    token = await tokenFor('keeper');
    auth = `Bearer ${token}`;
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const newConversation = async () =>
    (await request(t.server).post('/api/v1/conversations').set('Authorization', auth).send({})).body
      .id as string;
  const ask = async (id: string, content: string) => {
    await request(t.server)
      .post(`/api/v1/conversations/${id}/messages`)
      .set('Authorization', auth)
      .send({ content })
      .expect(201);
    const events = await request(t.server)
      .get(`/api/v1/conversations/${id}/events`)
      .set('Authorization', auth)
      .expect(200);
    return events.body.events as Array<{ run_id: string; seq: number; type: string }>;
  };
  const storedEvents = async (runIds: string[]) =>
    Number(
      (
        await db.query<{ count: string }>(
          'SELECT count(*) FROM run_events WHERE run_id = ANY($1::uuid[])',
          [runIds],
        )
      ).rows[0].count,
    );

  it('deletes the events of ended runs, one instance at a time, keeping messages; a resume across them gets resync_required', async () => {
    // Another "instance" holds the job's lock: nothing is deleted meanwhile.
    const holder = new Client({ connectionString: t.databaseUrl });
    await holder.connect();
    await holder.query(`SELECT pg_advisory_lock(${RETENTION_LOCK})`);

    const conversations = [
      await newConversation(),
      await newConversation(),
      await newConversation(),
    ];
    const runs = [];
    for (const [i, id] of conversations.entries()) runs.push(await ask(id, `question ${i}`));
    const runIds = runs.map((events) => events[0].run_id);
    const stored = await storedEvents(runIds);
    expect(stored).toBeGreaterThanOrEqual(runs.flat().length);

    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await storedEvents(runIds)).toBe(stored);
    await holder.query(`SELECT pg_advisory_unlock(${RETENTION_LOCK})`);
    await holder.end();

    await waitFor(async () => ((await storedEvents(runIds)) === 0 ? true : undefined));
    const [id] = conversations;
    const [events] = runs;
    const runId = events[0].run_id;
    const last = events.at(-1)!;

    // Messages are kept; the run says its events are gone.
    const messages = await request(t.server)
      .get(`/api/v1/conversations/${id}/messages`)
      .set('Authorization', auth)
      .expect(200);
    expect(messages.body.items.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    const run = await request(t.server)
      .get(`/api/v1/conversations/${id}/runs/${runId}`)
      .set('Authorization', auth)
      .expect(200);
    expect(run.body).toMatchObject({
      status: 'completed',
      events_available: false,
      last_seq: last.seq,
      message: { id: messages.body.items[1].id },
    });

    // SSE: one typed event instead of an empty replay, with the id to resume from after reloading.
    const sse = await openStream(t.baseUrl, {
      method: 'GET',
      path: `/api/v1/conversations/${id}/stream`,
      token,
      headers: { 'Last-Event-ID': `${runId}:1` },
    });
    expect(sse.status).toBe(200);
    expect(sse.sse).toEqual([
      expect.objectContaining({ id: `${runId}:${last.seq}`, event: 'resync_required' }),
    ]);
    expect(sse.events).toEqual([
      {
        type: 'resync_required',
        run_id: runId,
        seq: last.seq,
        reason: 'events_expired',
        message: expect.any(String),
      },
    ]);
    // NDJSON too.
    const ndjson = await openStream(t.baseUrl, {
      method: 'GET',
      path: `/api/v1/conversations/${id}/stream?format=ndjson`,
      token,
      headers: { 'Last-Event-ID': `${runId}:1` },
    });
    expect(ndjson.events).toEqual([expect.objectContaining({ type: 'resync_required' })]);
    // Resuming from where it says: nothing left.
    const after = await openStream(t.baseUrl, {
      method: 'GET',
      path: `/api/v1/conversations/${id}/stream`,
      token,
      headers: { 'Last-Event-ID': `${runId}:${last.seq}` },
    });
    expect(after.status).toBe(204);

    // The polling endpoint: 410 problem.
    const polled = await request(t.server)
      .get(`/api/v1/conversations/${id}/events`)
      .query({ after: `${runId}:1` })
      .set('Authorization', auth);
    expectProblem(polled, 410, 'resync_required');
    expect(polled.body).toMatchObject({ run_id: runId, seq: last.seq, reason: 'events_expired' });

    // The conversation takes new runs, which stream as usual.
    const next = await ask(id, 'and now?');
    expect(next.at(-1)).toMatchObject({ type: 'complete_state' });
  });

  it('deletes the expired events in batches of RUNS_EVENTS_RETENTION_BATCH runs until none is left', async () => {
    // Held until all five runs are past retention, so that one round of the job finds them all
    // at once and has to go batch after batch (batches of 2 here).
    const holder = new Client({ connectionString: t.databaseUrl });
    await holder.connect();
    await holder.query(`SELECT pg_advisory_lock(${RETENTION_LOCK})`);
    let runIds: string[];
    try {
      runIds = [];
      for (let i = 0; i < 5; i++) {
        const [first] = await ask(await newConversation(), `batch ${i}`);
        runIds.push(first.run_id);
      }
      expect(await storedEvents(runIds)).toBeGreaterThan(0);
      // Past the retention time (1 s) by the database's clock, the one the job compares with.
      await waitFor(async () => {
        const { rows } = await db.query<{ count: string }>(
          `SELECT count(*) FROM runs WHERE id = ANY($1::uuid[])
             AND finished_at < now() - interval '1500 milliseconds'`,
          [runIds],
        );
        return Number(rows[0].count) === runIds.length ? true : undefined;
      });
      expect(await storedEvents(runIds)).toBeGreaterThan(0);
    } finally {
      await holder.query(`SELECT pg_advisory_unlock(${RETENTION_LOCK})`);
      await holder.end();
    }

    await waitFor(async () => ((await storedEvents(runIds)) === 0 ? true : undefined));
    // Each batch is its own transaction and dates its runs with `now()`, the time that
    // transaction began: one `events_deleted_at` per batch.
    const { rows: batches } = await db.query<{ deleted_at: Date | null; runs: string }>(
      `SELECT events_deleted_at AS deleted_at, count(*) AS runs FROM runs
       WHERE id = ANY($1::uuid[]) GROUP BY events_deleted_at`,
      [runIds],
    );
    expect(batches.every((batch) => batch.deleted_at !== null)).toBe(true);
    expect(batches.reduce((sum, batch) => sum + Number(batch.runs), 0)).toBe(5);
    expect(batches.length).toBeGreaterThan(1);
  });

  it('tells a client whose position names a run it cannot see to resync', async () => {
    const id = await newConversation();
    const unknown = '00000000-0000-4000-8000-000000000000';
    const empty = await openStream(t.baseUrl, {
      method: 'GET',
      path: `/api/v1/conversations/${id}/stream`,
      token,
      headers: { 'Last-Event-ID': `${unknown}:4` },
    });
    expect(empty.events).toEqual([
      expect.objectContaining({
        type: 'resync_required',
        run_id: unknown,
        seq: 4,
        reason: 'run_unknown',
      }),
    ]);

    // A run of another conversation is not one this conversation can resume.
    const other = await newConversation();
    const [otherEvent] = await ask(other, 'elsewhere');
    const events = await ask(id, 'here');
    const mine = events[0].run_id;
    const crossed = await openStream(t.baseUrl, {
      method: 'GET',
      path: `/api/v1/conversations/${id}/stream`,
      token,
      headers: { 'Last-Event-ID': `${otherEvent.run_id}:1` },
    });
    expect(crossed.events).toEqual([
      expect.objectContaining({
        type: 'resync_required',
        run_id: mine,
        seq: events.at(-1)!.seq,
        reason: 'run_unknown',
      }),
    ]);
    const polled = await request(t.server)
      .get(`/api/v1/conversations/${id}/events`)
      .query({ after: `${unknown}:1` })
      .set('Authorization', auth);
    expectProblem(polled, 410, 'resync_required');
  });

  it('leaves the events of a run that has not ended', async () => {
    const id = await newConversation();
    // Streams for seconds, longer than the retention time.
    const long = Array.from({ length: 1500 }, (_, i) => `w${i}`).join(' ');
    const started = await request(t.server)
      .post(`/api/v1/conversations/${id}/runs`)
      .set('Authorization', auth)
      .send({ content: long })
      .expect(202);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const polled = await request(t.server)
      .get(`/api/v1/conversations/${id}/events`)
      .set('Authorization', auth)
      .expect(200);
    expect(polled.body.done).toBe(false);
    expect(polled.body.events[0]).toMatchObject({ run_id: started.body.run_id, seq: 1 });
    await request(t.server)
      .post(`/api/v1/conversations/${id}/cancel`)
      .set('Authorization', auth)
      .expect(202);
  });
});
