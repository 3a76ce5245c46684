import { Logger } from '@nestjs/common';
import { SignJWT, UnsecuredJWT } from 'jose';
import request from 'supertest';
import { expectProblem } from './support/problem';
import { startJwksServer, type JwksServer } from './support/jwks-server';
import { startTestApp, TEST_JWT_SECRET, tokenFor, type TestApp } from './support/test-app';

const LIST = '/api/v1/conversations';
const nowS = () => Math.floor(Date.now() / 1000);

/** An HS256 token with exactly the given time claims (`undefined`: the claim is absent). */
function timedToken(claims: { iat?: number; exp?: number }): Promise<string> {
  return new SignJWT({ roles: [], ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('erin')
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

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

  it.each([
    ['without exp', () => ({ iat: nowS() }), /"exp"/],
    ['without iat', () => ({ exp: nowS() + 600 }), /"iat"/],
    [
      'issued in the future beyond the clock tolerance',
      () => ({ iat: nowS() + 120, exp: nowS() + 3600 }),
      /"iat"/,
    ],
    [
      'issued longer ago than AUTH_MAX_TOKEN_AGE_S, whatever its exp',
      () => ({ iat: nowS() - 2 * 86_400, exp: nowS() + 3600 }),
      /expired/,
    ],
  ])('answers 401 for a token %s', async (_, claims, detail) => {
    const res = await request(t.server)
      .get(LIST)
      .set('Authorization', `Bearer ${await timedToken(claims())}`);
    expectProblem(res, 401, 'unauthorized');
    expect(res.body.detail).toMatch(detail);
  });

  it('accepts an iat a little ahead within the clock tolerance', async () => {
    const token = await timedToken({ iat: nowS() + 3, exp: nowS() + 600 });
    await request(t.server).get(LIST).set('Authorization', `Bearer ${token}`).expect(200);
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

describe('Auth settings (e2e)', () => {
  afterEach(() => jest.restoreAllMocks());

  it('honours AUTH_MAX_TOKEN_AGE_S and AUTH_CLOCK_TOLERANCE_S', async () => {
    const t = await startTestApp({ AUTH_MAX_TOKEN_AGE_S: '60', AUTH_CLOCK_TOLERANCE_S: '30' });
    try {
      const call = async (claims: { iat: number; exp: number }) =>
        (
          await request(t.server)
            .get(LIST)
            .set('Authorization', `Bearer ${await timedToken(claims)}`)
        ).status;
      expect(await call({ iat: nowS() - 120, exp: nowS() + 600 })).toBe(401);
      expect(await call({ iat: nowS() - 30, exp: nowS() + 600 })).toBe(200);
      expect(await call({ iat: nowS() + 20, exp: nowS() + 600 })).toBe(200);
      expect(await call({ iat: nowS() + 60, exp: nowS() + 600 })).toBe(401);
    } finally {
      await t.close();
    }
  });

  it('warns at start when a key set is trusted without AUTH_AUDIENCE', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const jwks = await startJwksServer();
    const t = await startTestApp({ AUTH_JWT_SECRET: undefined, AUTH_JWKS_URL: jwks.url });
    try {
      const warnings = warn.mock.calls.map(([message]) => String(message));
      expect(warnings.filter((m) => m.includes('AUTH_AUDIENCE'))).toHaveLength(1);
      // The warning does not stop it from working.
      const token = await jwks.sign('ES256', {});
      await request(t.server).get(LIST).set('Authorization', `Bearer ${token}`).expect(200);
    } finally {
      await t.close();
      await jwks.close();
    }
  });

  it('does not warn about the audience when it is set', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const jwks = await startJwksServer();
    const t = await startTestApp({
      AUTH_JWT_SECRET: undefined,
      AUTH_JWKS_URL: jwks.url,
      AUTH_AUDIENCE: 'agent-api',
    });
    try {
      expect(
        warn.mock.calls.map(([m]) => String(m)).filter((m) => m.includes('AUTH_AUDIENCE')),
      ).toEqual([]);
    } finally {
      await t.close();
      await jwks.close();
    }
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
