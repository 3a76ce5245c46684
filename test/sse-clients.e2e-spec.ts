import { randomUUID } from 'node:crypto';
import { fetchEventSource, type EventSourceMessage } from '@microsoft/fetch-event-source';
import { EventSource } from 'eventsource';
import { Client } from 'pg';
import request from 'supertest';
import { startCuttingProxy, type CuttingProxy } from './support/cutting-proxy';
import { expectProblem } from './support/problem';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

/** A message whose local-model answer streams for a while (one word per LOCAL_MODEL_TOKEN_DELAY_MS). */
const LONG = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
/** The event types besides `error`, which EventSource hands to `onerror`. */
const EVENT_TYPES = ['message_chunk', 'tool_call', 'tool_result', 'title', 'complete_state'];

interface RunEvent {
  type: string;
  run_id: string;
  seq: number;
}

/**
 * fetch-event-source reads `window.setTimeout` and removes a `visibilitychange` listener from
 * `document` when it is done; in a browser both exist. `openWhenHidden` keeps it from closing the
 * stream when the (absent) page is hidden.
 */
function browserGlobals(): void {
  Object.assign(globalThis, {
    window: globalThis,
    document: Object.assign(new EventTarget(), { hidden: false }),
  });
}

/**
 * Third-party streaming clients against the real server, written the way their READMEs show them:
 * what a frontend developer would do, without knowing the server's quirks.
 */
describe('SSE clients (e2e)', () => {
  let t: TestApp;
  let token: string;
  let db: Client;
  let proxy: CuttingProxy;

  beforeAll(async () => {
    browserGlobals();
    // Heartbeats every 30 ms: a client that dispatches at every blank line would see them all.
    t = await startTestApp({ LOCAL_MODEL_TOKEN_DELAY_MS: '20', STREAM_HEARTBEAT_MS: '30' });
    token = await tokenFor('sse-client');
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    proxy = await startCuttingProxy(Number(new URL(t.baseUrl).port));
  });
  afterAll(async () => {
    await proxy.close();
    await db.end();
    await t.close();
  });

  const newConversation = async (bearer = token) =>
    (
      await request(t.server)
        .post('/api/v1/conversations')
        .set('Authorization', `Bearer ${bearer}`)
        .send({})
        .expect(201)
    ).body.id as string;
  const streamToken = (conversationId: string, bearer = token) =>
    request(t.server)
      .post(`/api/v1/conversations/${conversationId}/stream-tokens`)
      .set('Authorization', `Bearer ${bearer}`);
  const runsOf = async (conversationId: string) =>
    (
      await db.query<{ id: string }>('SELECT id FROM runs WHERE conversation_id = $1', [
        conversationId,
      ])
    ).rows.map((row) => row.id);
  const expectWholeRun = (events: RunEvent[], runId: string) => {
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.every((event) => event.run_id === runId)).toBe(true);
    expect(events.at(-1)?.type).toBe('complete_state');
    expect(events.filter((event) => event.type === 'complete_state')).toHaveLength(1);
  };

  describe('@microsoft/fetch-event-source', () => {
    it('gets only events with data, so a naive JSON.parse in onmessage never throws and one run is stored', async () => {
      const id = await newConversation();
      const events: RunEvent[] = [];
      const messages: EventSourceMessage[] = [];
      const errors: unknown[] = [];
      await fetchEventSource(`${t.baseUrl}/api/v1/conversations/${id}/stream`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ content: LONG }),
        openWhenHidden: true,
        onmessage: (message) => {
          messages.push(message);
          events.push(JSON.parse(message.data) as RunEvent);
        },
        onerror: (error) => {
          // Any error would make the library POST again; here it ends the test instead.
          errors.push(error);
          throw error;
        },
      });
      expect(errors).toEqual([]);
      const runs = await runsOf(id);
      expect(runs).toHaveLength(1);
      expectWholeRun(events, runs[0]);
      // The retry hint is read from the first event's block.
      expect(messages[0].retry).toBe(3000);
      expect(messages.map((message) => message.event)).toEqual(events.map((event) => event.type));
    });

    it('after a network drop, POSTs again with Last-Event-ID and the same Idempotency-Key and gets every event exactly once', async () => {
      const id = await newConversation();
      const key = randomUUID();
      const attempts: Array<Record<string, string>> = [];
      const events: RunEvent[] = [];
      const errors: unknown[] = [];
      proxy.cutNextStreamAfter(3);
      await fetchEventSource(`${proxy.baseUrl}/api/v1/conversations/${id}/stream`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
          'Idempotency-Key': key,
        },
        body: JSON.stringify({ content: LONG }),
        openWhenHidden: true,
        fetch: (input, init) => {
          attempts.push({ ...(init?.headers as Record<string, string>) });
          return fetch(input, init);
        },
        onmessage: (message) => events.push(JSON.parse(message.data) as RunEvent),
        onerror: (error) => {
          errors.push(error);
          if (errors.length > 1) throw error;
          return 50; // retry after 50 ms rather than the 3 s the server suggests
        },
      });
      await proxy.cuts;
      const runs = await runsOf(id);
      expect(runs).toHaveLength(1);
      expect(errors).toHaveLength(1);
      expect(attempts).toHaveLength(2);
      expect(attempts[1]).toMatchObject({
        'Idempotency-Key': key,
        'last-event-id': `${runs[0]}:3`,
      });
      expectWholeRun(events, runs[0]);
    });
  });

  describe('EventSource with a stream token', () => {
    /** Reads a stream as a browser does: `new EventSource(url)`, no header, no cookie. */
    const readWithEventSource = (url: string) =>
      new Promise<{ events: RunEvent[]; lastEventId: string }>((resolve, reject) => {
        const source = new EventSource(url);
        const events: RunEvent[] = [];
        const onEvent = (message: { type: string; data: string; lastEventId: string }) => {
          events.push(JSON.parse(message.data) as RunEvent);
          if (message.type === 'complete_state' || message.type === 'error') {
            source.close();
            resolve({ events, lastEventId: message.lastEventId });
          }
        };
        for (const type of EVENT_TYPES) source.addEventListener(type, onEvent);
        // A run's `error` event reaches `onerror`, with data; a failed connection has none.
        source.onerror = (event: Event & { data?: string; code?: number }) => {
          if (typeof event.data === 'string')
            return onEvent(event as unknown as Parameters<typeof onEvent>[0]);
          source.close();
          reject(new Error(`EventSource failed with ${event.code}`));
        };
      });

    it("mints a token with the bearer token that opens this conversation's stream with ?access_token=", async () => {
      const id = await newConversation();
      const minted = await streamToken(id).expect(201);
      expect(minted.body).toEqual({ token: expect.any(String), expires_at: expect.any(String) });
      const lifetime = Date.parse(minted.body.expires_at) - Date.now();
      expect(lifetime).toBeGreaterThan(30_000);
      expect(lifetime).toBeLessThanOrEqual(60_000);

      const answered = request(t.server)
        .post(`/api/v1/conversations/${id}/messages`)
        .set('Authorization', `Bearer ${token}`)
        .send({ content: LONG })
        .then((res) => res.status); // sent now, not when awaited
      const url = `${t.baseUrl}/api/v1/conversations/${id}/stream?access_token=${minted.body.token}`;
      // Joins the run live: the stream answers 204 until the run is stored.
      while ((await runsOf(id)).length === 0) await new Promise((r) => setTimeout(r, 10));
      const { events, lastEventId } = await readWithEventSource(url);
      expect(await answered).toBe(201);
      const runs = await runsOf(id);
      expect(runs).toHaveLength(1);
      expectWholeRun(events, runs[0]);
      expect(lastEventId).toBe(`${runs[0]}:${events.length}`);
    });

    it('opens POST .../stream with ?access_token= too', async () => {
      const id = await newConversation();
      const minted = await streamToken(id).expect(201);
      const res = await request(t.server)
        .post(`/api/v1/conversations/${id}/stream`)
        .query({ format: 'ndjson', access_token: minted.body.token })
        .send({ content: 'hello' })
        .expect(200);
      expect(res.text.trim().split('\n').at(-1)).toContain('"type":"complete_state"');
    });

    it('is refused for another conversation, on every other route, and as a bearer token', async () => {
      const id = await newConversation();
      const other = await newConversation();
      const { token: streamTokenOfId } = (await streamToken(id).expect(201)).body as {
        token: string;
      };
      const elsewhere = [
        ['GET', `/api/v1/conversations/${other}/stream`],
        ['GET', `/api/v1/conversations/${id}`],
        ['GET', `/api/v1/conversations/${id}/messages`],
        ['GET', `/api/v1/conversations/${id}/events`],
        ['POST', `/api/v1/conversations/${id}/cancel`],
        ['POST', `/api/v1/conversations/${id}/stream-tokens`],
      ] as const;
      for (const [method, path] of elsewhere) {
        const call = method === 'GET' ? request(t.server).get(path) : request(t.server).post(path);
        const res = await call.query({ access_token: streamTokenOfId });
        expect({ method, path, status: res.status, code: res.body.code }).toEqual({
          method,
          path,
          status: 401,
          code: 'unauthorized',
        });
      }
      await request(t.server)
        .get(`/api/v1/conversations/${id}`)
        .set('Authorization', `Bearer ${streamTokenOfId}`)
        .expect(401);
      await request(t.server)
        .get(`/api/v1/conversations/${id}/stream`)
        .query({ access_token: `${streamTokenOfId}x` })
        .expect(401);
    });

    it("answers 404 for another user's conversation, and needs a bearer token", async () => {
      const id = await newConversation(await tokenFor('someone-else'));
      await streamToken(id).expect(404);
      await request(t.server).post(`/api/v1/conversations/${id}/stream-tokens`).expect(401);
    });

    describe('once expired', () => {
      let short: TestApp;

      beforeAll(async () => {
        // The shortest lifetime there is, and no clock tolerance: a token is refused once past
        // its `expires_at`, not some seconds later.
        short = await startTestApp({ AUTH_STREAM_TOKEN_TTL_S: '5', AUTH_CLOCK_TOLERANCE_S: '0' });
      });
      afterAll(() => short.close());

      const mint = async (conversationId: string) =>
        (
          await request(short.server)
            .post(`/api/v1/conversations/${conversationId}/stream-tokens`)
            .set('Authorization', `Bearer ${token}`)
            .expect(201)
        ).body as { token: string; expires_at: string };
      /** Opens the stream as EventSource does: GET, `Accept: text/event-stream`, no header. */
      const follow = (conversationId: string, streamToken: string) =>
        request(short.server)
          .get(`/api/v1/conversations/${conversationId}/stream`)
          .set('Accept', 'text/event-stream')
          .query({ access_token: streamToken });
      /** A whole run through POST .../stream, authenticated by the stream token alone. */
      const send = (conversationId: string, streamToken: string) =>
        request(short.server)
          .post(`/api/v1/conversations/${conversationId}/stream`)
          .query({ format: 'ndjson', access_token: streamToken })
          .send({ content: 'hello' });

      it('is refused with 401 problem+json after its expires_at, while a fresh one opens the stream', async () => {
        const id = (
          await request(short.server)
            .post('/api/v1/conversations')
            .set('Authorization', `Bearer ${token}`)
            .send({})
            .expect(201)
        ).body.id as string;
        const minted = await mint(id);
        const expiresAt = Date.parse(minted.expires_at);
        expect(expiresAt - Date.now()).toBeLessThanOrEqual(5000);
        // Before it expires it works (nothing to follow yet: 204), so what refuses it is time.
        await follow(id, minted.token).expect(204);

        // Waits out the lifetime (a second more, for the token's whole-second `exp`).
        await new Promise((resolve) => setTimeout(resolve, expiresAt + 1000 - Date.now()));
        for (const res of [await follow(id, minted.token), await send(id, minted.token)]) {
          expectProblem(res, 401, 'unauthorized');
          expect(res.headers['www-authenticate']).toBe('Bearer');
          expect(res.body.detail).toMatch(/expired/);
        }
        // Refused before the run started: no message was stored.
        const messages = await request(short.server)
          .get(`/api/v1/conversations/${id}/messages`)
          .set('Authorization', `Bearer ${token}`)
          .expect(200);
        expect(messages.body.items).toEqual([]);

        const fresh = await mint(id);
        const res = await send(id, fresh.token).expect(200);
        expect(res.text.trim().split('\n').at(-1)).toContain('"type":"complete_state"');
        // And EventSource, given the fresh token, reads that run to its end.
        const url = `${short.baseUrl}/api/v1/conversations/${id}/stream?access_token=${fresh.token}`;
        const { events } = await readWithEventSource(url);
        expect(events.at(-1)?.type).toBe('complete_state');
      });
    });
  });
});
