import { connect } from 'node:net';
import request from 'supertest';
import { openStream } from './support/stream-client';
import { expectProblem } from './support/problem';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

const LONG = Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ');

describe('Streaming limits and bad input (e2e)', () => {
  let t: TestApp;
  let token: string;
  let auth: string;

  beforeAll(async () => {
    t = await startTestApp({
      LOCAL_MODEL_TOKEN_DELAY_MS: '1',
      STREAM_MAX_BUFFER_BYTES: '4096',
      STREAM_MAX_CONNECTIONS: '2',
      MAX_MESSAGE_CHARS: '5000',
    });
    token = await tokenFor('streamer');
    auth = `Bearer ${token}`;
  });
  afterAll(() => t.close());

  const newConversation = async (who = auth) =>
    (await request(t.server).post('/api/v1/conversations').set('Authorization', who).send({})).body
      .id as string;

  it('answers 503 with Retry-After when STREAM_MAX_CONNECTIONS streams are open', async () => {
    const holders = [await newConversation(), await newConversation()].map((id) =>
      openStream(t.baseUrl, {
        path: `/api/v1/conversations/${id}/stream`,
        token,
        body: { content: LONG.slice(0, 2000) },
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    const third = await openStream(t.baseUrl, {
      path: `/api/v1/conversations/${await newConversation()}/stream`,
      token,
      body: { content: 'hi' },
    });
    expect(third.status).toBe(503);
    expect(third.headers['content-type']).toMatch(/problem\+json/);
    expect(third.headers['retry-after']).toBe('1');
    await Promise.all(holders);
  });

  describe('bad input is answered as problem+json before any stream starts, and stores nothing', () => {
    let id: string;
    beforeAll(async () => {
      id = await newConversation();
    });
    afterEach(async () => {
      const res = await request(t.server)
        .get(`/api/v1/conversations/${id}`)
        .set('Authorization', auth);
      expect(res.body.message_count).toBe(0);
    });

    it.each(['stream', 'messages'])('POST .../%s refuses bad bodies', async (endpoint) => {
      const path = `/api/v1/conversations/${id}/${endpoint}`;
      const send = (body: string) =>
        request(t.server)
          .post(path)
          .set('Authorization', auth)
          .set('Content-Type', 'application/json')
          .send(body);
      expect((await send('{"content": ')).status).toBe(400);
      for (const body of [
        {},
        { content: '' },
        { content: 42 },
        { content: ['a'] },
        { content: 'ok', extra: 1 },
      ]) {
        const res = await send(JSON.stringify(body));
        expectProblem(res, 400, 'validation_failed');
      }
      const tooLong = await send(JSON.stringify({ content: 'x'.repeat(5001) }));
      expectProblem(tooLong, 400, 'validation_failed');
      expect(tooLong.body.errors).toEqual([
        { field: 'content', message: 'must be at most 5000 characters' },
      ]);
      const huge = await send(JSON.stringify({ content: 'x'.repeat(300_000) }));
      expectProblem(huge, 413, 'payload_too_large');
      const badKey = await request(t.server)
        .post(path)
        .set('Authorization', auth)
        .set('Idempotency-Key', 'has spaces in it')
        .send({ content: 'hi' });
      expectProblem(badKey, 400, 'validation_failed');
    });

    it('refuses unknown, foreign and malformed conversation ids', async () => {
      const other = `Bearer ${await tokenFor('someone-else')}`;
      for (const endpoint of ['stream', 'messages', 'cancel']) {
        expectProblem(
          await request(t.server)
            .post(`/api/v1/conversations/${id}/${endpoint}`)
            .set('Authorization', other)
            .send({ content: 'hi' }),
          404,
          'conversation_not_found',
        );
        expectProblem(
          await request(t.server)
            .post(`/api/v1/conversations/00000000-0000-4000-8000-000000000000/${endpoint}`)
            .set('Authorization', auth)
            .send({ content: 'hi' }),
          404,
          'conversation_not_found',
        );
        expectProblem(
          await request(t.server)
            .post(`/api/v1/conversations/nope/${endpoint}`)
            .set('Authorization', auth)
            .send({ content: 'hi' }),
          400,
          'validation_failed',
        );
      }
      for (const endpoint of ['stream', 'events']) {
        expectProblem(
          await request(t.server)
            .get(`/api/v1/conversations/${id}/${endpoint}`)
            .set('Authorization', other),
          404,
          'conversation_not_found',
        );
      }
      expectProblem(
        await request(t.server).post(`/api/v1/conversations/${id}/stream`).send({ content: 'hi' }),
        401,
        'unauthorized',
      );
    });

    it('refuses malformed resume positions and formats', async () => {
      const base = `/api/v1/conversations/${id}`;
      expectProblem(
        await request(t.server)
          .get(`${base}/stream`)
          .set('Authorization', auth)
          .set('Last-Event-ID', 'garbage'),
        400,
        'validation_failed',
      );
      expectProblem(
        await request(t.server)
          .get(`${base}/stream?last_event_id=1:2:x`)
          .set('Authorization', auth),
        400,
        'validation_failed',
      );
      expectProblem(
        await request(t.server).get(`${base}/events?after=abc`).set('Authorization', auth),
        400,
        'validation_failed',
      );
      expectProblem(
        await request(t.server)
          .post(`${base}/stream?format=xml`)
          .set('Authorization', auth)
          .send({ content: 'hi' }),
        400,
        'validation_failed',
      );
    });
  });
});

describe('A slow reader (e2e)', () => {
  // Far more output than loopback socket buffers hold (~8 MB of SSE), so the server really meets
  // backpressure. Every word is a chunk costing the agent about a millisecond: this run takes ~40 s
  // alone, and over three minutes with the suite and another CPU-bound process beside it on two
  // cores (seen in CI under stress-ng), hence the long deadlines below.
  const HUGE = Array.from({ length: 35_000 }, (_, i) => `w${i}-${'x'.repeat(18)}`).join(' ');
  let t: TestApp;
  let token: string;
  let auth: string;

  beforeAll(async () => {
    t = await startTestApp({
      LOCAL_MODEL_TOKEN_DELAY_MS: '0',
      STREAM_MAX_BUFFER_BYTES: '65536',
      MAX_MESSAGE_CHARS: '1000000',
      MAX_BODY_BYTES: '2000000',
      // One event per word, as the model streams them: the server must meet backpressure for real.
      STREAM_CHUNK_WINDOW_MS: '0',
      // The run must not be cut short by the model-call timeout on a busy machine.
      LLM_TIMEOUT_MS: '600000',
      CB_LLM_CALL_TIMEOUT_MS: '600000',
      LLM_MAX_HISTORY_TOKENS: '500000',
      // The test polls GET .../events page by page while the run goes on.
      RATE_LIMIT_MAX: '0',
    });
    token = await tokenFor('slow-reader');
    auth = `Bearer ${token}`;
  });
  afterAll(() => t.close());

  const newConversation = async () =>
    (await request(t.server).post('/api/v1/conversations').set('Authorization', auth).send({})).body
      .id as string;

  it('drops a reader that stops reading once it would hold more than STREAM_MAX_BUFFER_BYTES, while the run completes', async () => {
    const id = await newConversation();
    // A raw client that sends its request and then stops reading: the kernel buffers fill and the
    // server meets backpressure for real. Once the run is over, it reads what it was sent.
    const body = JSON.stringify({ content: HUGE });
    const url = new URL(t.baseUrl);
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    socket.pause();
    socket.write(
      `POST /api/v1/conversations/${id}/stream HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    // Polls `GET .../events` page by page (`after`) until the run's terminal event.
    const events: Array<{ type: string; run_id: string; seq: number }> = [];
    const deadline = Date.now() + 420_000;
    let done = false;
    while (!done && Date.now() < deadline) {
      const last = events.at(-1);
      const response = await request(t.server)
        .get(`/api/v1/conversations/${id}/events`)
        .query(last ? { after: `${last.run_id}:${last.seq}` } : {})
        .set('Authorization', auth);
      expect(response.status).toBe(200);
      const page = response.body as { events: typeof events; done: boolean };
      events.push(...page.events);
      done = page.done && events.length > 0;
      if (!done && page.events.length === 0)
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const state = { done, events };
    // The run went on to its end without the client.
    expect(state.done).toBe(true);
    expect(state.events.at(-1)?.type).toBe('complete_state');

    const received = await new Promise<string>((resolve) => {
      let raw = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (raw += chunk));
      socket.on('close', () => resolve(raw));
      socket.resume();
    });
    // The server cut the stream (no terminal event) instead of buffering it all for the client. (What
    // the client still reads after the cut depends on the kernel: the reset may discard it.)
    expect(received).toMatch(/^HTTP\/1.1 200/);
    expect(received).not.toContain('event: complete_state');
    const whole = state.events.reduce((sum, event) => sum + JSON.stringify(event).length, 0);
    expect(received.length).toBeLessThan(whole * 0.8);

    // And a resume from the start replays it all to a reader that keeps up.
    const replay = await openStream(t.baseUrl, {
      method: 'GET',
      path: `/api/v1/conversations/${id}/stream`,
      token,
    });
    expect(replay.events).toHaveLength(state.events.length);
  }, 540_000);
});

describe('STREAM_ON_DISCONNECT=cancel (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LOCAL_MODEL_TOKEN_DELAY_MS: '20', STREAM_ON_DISCONNECT: 'cancel' });
  });
  afterAll(() => t.close());

  it('cancels the run when its client leaves', async () => {
    const token = await tokenFor('leaver');
    const id = (
      await request(t.server)
        .post('/api/v1/conversations')
        .set('Authorization', `Bearer ${token}`)
        .send({})
    ).body.id;
    await openStream(t.baseUrl, {
      path: `/api/v1/conversations/${id}/stream`,
      token,
      body: { content: LONG.slice(0, 600) },
      onChunk: (_, soFar) => (soFar.match(/^id: /gm) ?? []).length >= 2,
    });
    const deadline = Date.now() + 10_000;
    let body: { events: Array<Record<string, unknown>>; done: boolean } = {
      events: [],
      done: false,
    };
    while (!body.done && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      body = (
        await request(t.server)
          .get(`/api/v1/conversations/${id}/events`)
          .set('Authorization', `Bearer ${token}`)
      ).body;
    }
    expect(body.events.at(-1)).toMatchObject({
      type: 'complete_state',
      finish_reason: 'cancelled',
    });
  });
});
