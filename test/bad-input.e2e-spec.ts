import request from 'supertest';
import { expectProblem } from './support/problem';
import { startTestApp, tokenFor, type TestApp } from './support/test-app';

const LIST = '/api/v1/conversations';

describe('Bad input is refused clearly and loses nothing (e2e)', () => {
  let t: TestApp;
  let auth: string;
  let id: string;

  beforeAll(async () => {
    t = await startTestApp({ MAX_BODY_BYTES: '4096' });
    auth = `Bearer ${await tokenFor('frank')}`;
    id = (
      await request(t.server)
        .post(LIST)
        .set('Authorization', auth)
        .send({ title: 'keep me', metadata: { a: 1 } })
    ).body.id;
  });

  afterEach(async () => {
    // Whatever was sent, the stored conversation is as it was and the service is healthy.
    const res = await request(t.server).get(`${LIST}/${id}`).set('Authorization', auth).expect(200);
    expect(res.body).toMatchObject({ title: 'keep me', metadata: { a: 1 }, message_count: 0 });
    await request(t.server).get('/health').expect(200);
  });
  afterAll(() => t.close());

  const writes = () => [
    { name: 'POST /conversations', call: () => request(t.server).post(LIST) },
    { name: 'PATCH /conversations/:id', call: () => request(t.server).patch(`${LIST}/${id}`) },
  ];

  it.each(['{"title": "x"', '{title: x}', 'null', '[1,2]', '"just a string"'])(
    'answers 400 to the malformed or non-object JSON body %s',
    async (body) => {
      for (const { call } of writes()) {
        const res = await call()
          .set('Authorization', auth)
          .set('Content-Type', 'application/json')
          .send(body);
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(/problem\+json/);
      }
    },
  );

  it.each([
    ['title is a number', { title: 123 }, 'title'],
    ['title is an object', { title: { a: 1 } }, 'title'],
    ['metadata is a string', { metadata: 'x' }, 'metadata'],
    ['metadata is an array', { metadata: [1, 2] }, 'metadata'],
    ['title is too long', { title: 'x'.repeat(501) }, 'title'],
    ['metadata is too large', { metadata: { blob: 'x'.repeat(17 * 1024) } }, 'metadata'],
    ['an unknown field is sent', { title: 'ok', owner: 'mallory' }, 'owner'],
  ])('answers 400 naming the field when %s', async (_, body, field) => {
    const big = JSON.stringify(body).length > 4096;
    const app = big ? await startTestApp() : t;
    try {
      for (const { call } of big ? [{ call: () => request(app.server).post(LIST) }] : writes()) {
        const res = await call().set('Authorization', auth).send(body);
        expectProblem(res, 400, 'validation_failed');
        expect(res.body.errors).toEqual([{ field, message: expect.any(String) }]);
      }
    } finally {
      if (big) await app.close();
    }
  });

  it('answers 413 to a body over MAX_BODY_BYTES', async () => {
    for (const { call } of writes()) {
      const res = await call()
        .set('Authorization', auth)
        .send({ title: 'x', metadata: { blob: 'y'.repeat(5000) } });
      expectProblem(res, 413, 'payload_too_large');
    }
  });

  it('answers 400 to non-UUID ids on every route with an id', async () => {
    for (const [method, path] of [
      ['get', `${LIST}/not-a-uuid`],
      ['patch', `${LIST}/123`],
      ['delete', `${LIST}/${id}x`],
      ['get', `${LIST}/abc/messages`],
    ] as const) {
      const res = await request(t.server)[method](path).set('Authorization', auth).send({});
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors).toEqual([{ field: 'id', message: 'must be a UUID' }]);
    }
  });

  it('answers 404 problem+json to unknown routes', async () => {
    const res = await request(t.server).get('/api/v1/nope').set('Authorization', auth);
    expectProblem(res, 404, 'route_not_found');
  });

  it('answers 415 to a form body: JSON only', async () => {
    const res = await request(t.server)
      .post(LIST)
      .set('Authorization', auth)
      .type('form')
      .send('title=hello');
    expectProblem(res, 415, 'unsupported_media_type');
  });

  it('echoes a caller X-Request-Id and makes one otherwise', async () => {
    const echoed = await request(t.server)
      .get(`${LIST}/not-a-uuid`)
      .set('Authorization', auth)
      .set('X-Request-Id', 'client-req-42');
    expect(echoed.headers['x-request-id']).toBe('client-req-42');
    expect(echoed.body.instance).toBe('client-req-42');

    const made = await request(t.server).get('/health');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);

    const unsafe = await request(t.server)
      .get('/health')
      .set('X-Request-Id', 'bad id\twith spaces');
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends security headers from helmet', async () => {
    const res = await request(t.server).get('/health');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('Rate limits and CORS (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MAX: '3', CORS_ORIGINS: 'https://app.example' });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After past the per-user limit, counting users apart', async () => {
    const gina = `Bearer ${await tokenFor('gina')}`;
    for (let i = 0; i < 3; i++)
      await request(t.server).get(LIST).set('Authorization', gina).expect(200);
    const limited = await request(t.server).get(LIST).set('Authorization', gina);
    expectProblem(limited, 429, 'rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const hank = `Bearer ${await tokenFor('hank')}`;
    await request(t.server).get(LIST).set('Authorization', hank).expect(200);
  });

  it('counts one budget per user across routes, with X-RateLimit headers on every answer', async () => {
    const ivy = `Bearer ${await tokenFor('ivy')}`;
    const other = `${LIST}/00000000-0000-4000-8000-000000000000`;
    // Alternating two routes: a budget per route would allow 3 of each.
    const first = await request(t.server).get(LIST).set('Authorization', ivy).expect(200);
    expect(first.headers['x-ratelimit-limit']).toBe('3');
    expect(first.headers['x-ratelimit-remaining']).toBe('2');
    await request(t.server).get(other).set('Authorization', ivy).expect(404);
    const third = await request(t.server).get(LIST).set('Authorization', ivy).expect(200);
    expect(third.headers['x-ratelimit-remaining']).toBe('0');

    const limited = await request(t.server).get(other).set('Authorization', ivy);
    expectProblem(limited, 429, 'rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['x-ratelimit-limit']).toBe('3');
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(limited.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    // A write on a third route is refused from the same budget.
    expectProblem(
      await request(t.server).post(LIST).set('Authorization', ivy).send({}),
      429,
      'rate_limited',
    );
  });

  it('never limits probes and scrapes, which share one client address', async () => {
    for (let i = 0; i < 5; i++) {
      for (const path of ['/health', '/health/ready', '/metrics']) {
        const res = await request(t.server).get(path);
        expect(res.status).toBe(200);
        expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      }
    }
  });

  it('allows the configured origin only', async () => {
    const allowed = await request(t.server)
      .options(LIST)
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    const exposed = await request(t.server).get('/health').set('Origin', 'https://app.example');
    expect(exposed.headers['access-control-expose-headers']).toMatch(/X-RateLimit-Remaining/);
    const denied = await request(t.server)
      .options(LIST)
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
  });
});
