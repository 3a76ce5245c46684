import { randomUUID } from 'node:crypto';
import { fetchEventSource, type EventSourceMessage } from '@microsoft/fetch-event-source';
import { Client } from 'pg';
import request from 'supertest';
import { startCuttingProxy, type CuttingProxy } from './support/cutting-proxy';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

/** A message whose local-model answer streams for a while (one word per LOCAL_MODEL_TOKEN_DELAY_MS). */
const LONG = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');

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

  const newConversation = async () =>
    (
      await request(t.server)
        .post('/api/v1/conversations')
        .set('Authorization', `Bearer ${token}`)
        .send({})
        .expect(201)
    ).body.id as string;
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
});
