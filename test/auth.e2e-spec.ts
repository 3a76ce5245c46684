import { SignJWT, UnsecuredJWT } from 'jose';
import request from 'supertest';
import { expectProblem } from './support/problem';
import { startJwksServer, type JwksServer } from './support/jwks-server';
import { startTestApp, TEST_JWT_SECRET, tokenFor, type TestApp } from './support/test-app';

const LIST = '/api/v1/conversations';

describe('Auth with an HS256 secret (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('accepts a valid token and scopes data to its sub', async () => {
    const token = await tokenFor('erin');
    await request(t.server).get(LIST).set('Authorization', `Bearer ${token}`).expect(200);
  });

  it('answers 401 problem+json with WWW-Authenticate when the token is missing', async () => {
    const res = await request(t.server).get(LIST);
    expectProblem(res, 401, 'unauthorized');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it.each([
    [
      'a non-bearer scheme',
      () => Promise.resolve(`Basic ${Buffer.from('a:b').toString('base64')}`),
    ],
    ['a malformed token', () => Promise.resolve('Bearer not.a.jwt')],
    [
      'an expired token',
      async () =>
        `Bearer ${await tokenFor('erin', { expiresIn: Math.floor(Date.now() / 1000) - 60 })}`,
    ],
    [
      'a token signed with another secret (forged)',
      async () =>
        `Bearer ${await tokenFor('erin', { secret: 'another-secret-that-is-32-chars-long!!' })}`,
    ],
    [
      'an unsigned token (alg none)',
      () => Promise.resolve(`Bearer ${new UnsecuredJWT({ sub: 'erin' }).encode()}`),
    ],
    [
      'a token without sub',
      async () =>
        `Bearer ${await new SignJWT({ roles: [] })
          .setProtectedHeader({ alg: 'HS256' })
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode(TEST_JWT_SECRET))}`,
    ],
    ['a token whose sub has a NUL', async () => `Bearer ${await tokenFor('erin\u0000')}`],
    [
      'a token whose sub has a lone surrogate',
      async () => `Bearer ${await tokenFor('erin\ud800')}`,
    ],
    [
      'a token whose signature was tampered with',
      async () => {
        const [header, , signature] = (await tokenFor('erin')).split('.');
        const payload = Buffer.from(JSON.stringify({ sub: 'mallory', exp: 9999999999 })).toString(
          'base64url',
        );
        return `Bearer ${header}.${payload}.${signature}`;
      },
    ],
  ])('answers 401 for %s', async (_, header) => {
    const res = await request(t.server)
      .get(LIST)
      .set('Authorization', await header());
    expectProblem(res, 401, 'unauthorized');
  });

  it('tells an expired token apart in the detail', async () => {
    const token = await tokenFor('erin', { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const res = await request(t.server).get(LIST).set('Authorization', `Bearer ${token}`);
    expect(res.body.detail).toMatch(/expired/);
  });

  it('leaves /health and the docs public', async () => {
    await request(t.server).get('/health').expect(200);
    await request(t.server).get('/docs-json').expect(200);
  });
});

describe('Auth with a JWKS URL, issuer and audience (e2e)', () => {
  let t: TestApp;
  let jwks: JwksServer;
  beforeAll(async () => {
    jwks = await startJwksServer();
    t = await startTestApp({
      AUTH_JWT_SECRET: undefined,
      AUTH_JWKS_URL: jwks.url,
      AUTH_ISSUER: 'https://issuer.test',
      AUTH_AUDIENCE: 'agent-api',
    });
  });
  afterAll(async () => {
    await t.close();
    await jwks.close();
  });

  it.each(['RS256', 'ES256'] as const)('accepts %s tokens from the key set', async (alg) => {
    const token = await jwks.sign(alg, { iss: 'https://issuer.test', aud: 'agent-api' });
    await request(t.server).post(LIST).set('Authorization', `Bearer ${token}`).send({}).expect(201);
  });

  it('refuses a token for another audience or issuer', async () => {
    for (const claims of [
      { iss: 'https://issuer.test', aud: 'someone-else' },
      { iss: 'https://evil.test', aud: 'agent-api' },
    ]) {
      const token = await jwks.sign('RS256', claims);
      const res = await request(t.server).get(LIST).set('Authorization', `Bearer ${token}`);
      expectProblem(res, 401, 'unauthorized');
    }
  });

  it('refuses an HS256 token when only the key set is trusted', async () => {
    const res = await request(t.server)
      .get(LIST)
      .set('Authorization', `Bearer ${await tokenFor('erin')}`);
    expectProblem(res, 401, 'unauthorized');
  });
});

describe('Auth off (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ AUTH_JWT_SECRET: undefined });
  });
  afterAll(() => t.close());

  it('serves every request as user "local" without a token', async () => {
    const created = await request(t.server).post(LIST).send({ title: 'mine' }).expect(201);
    const list = await request(t.server).get(LIST).expect(200);
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
  });
});
