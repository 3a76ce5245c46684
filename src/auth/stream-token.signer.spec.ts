import type { AuthConfig } from '../config';
import { StreamTokenSigner } from './stream-token.signer';
import { InvalidTokenError, TokenVerifier } from './token-verifier.service';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';

function config(overrides: Partial<AuthConfig> = {}): AuthConfig {
  return {
    mode: 'hs256',
    jwtSecret: SECRET,
    jwksUrl: undefined,
    issuer: undefined,
    audience: undefined,
    maxTokenAgeS: 86_400,
    clockToleranceS: 5,
    streamTokenSecret: undefined,
    streamTokenTtlS: 60,
    ...overrides,
  };
}

describe('StreamTokenSigner', () => {
  afterEach(() => jest.useRealTimers());

  it('makes a token for one user and one conversation, valid for the TTL', async () => {
    const signer = new StreamTokenSigner(config());
    const { token, expires_at } = await signer.mint('ann', 'c-1');
    expect(Date.parse(expires_at) - Date.now()).toBeGreaterThan(55_000);
    await expect(signer.verify(token, 'c-1')).resolves.toEqual({ id: 'ann', roles: [] });
    await expect(signer.verify(token, 'c-2')).rejects.toThrow(InvalidTokenError);
  });

  it('refuses a token past its expiry (and the clock tolerance)', async () => {
    jest.useFakeTimers({ now: Date.parse('2030-01-01T00:00:00Z') });
    const signer = new StreamTokenSigner(config());
    const { token } = await signer.mint('ann', 'c-1');
    jest.setSystemTime(Date.parse('2030-01-01T00:01:04Z'));
    await expect(signer.verify(token, 'c-1')).resolves.toEqual({ id: 'ann', roles: [] });
    jest.setSystemTime(Date.parse('2030-01-01T00:01:06Z'));
    await expect(signer.verify(token, 'c-1')).rejects.toThrow(/expired/);
  });

  it('works across instances with the same secret, and never as a bearer token', async () => {
    const minted = await new StreamTokenSigner(config()).mint('ann', 'c-1');
    await expect(new StreamTokenSigner(config()).verify(minted.token, 'c-1')).resolves.toEqual({
      id: 'ann',
      roles: [],
    });
    await expect(new TokenVerifier(config()).verify(minted.token)).rejects.toThrow(
      InvalidTokenError,
    );
    // Even with the stream-token secret equal to the bearer secret.
    const same = await new StreamTokenSigner(config({ streamTokenSecret: SECRET })).mint('a', 'c');
    await expect(new TokenVerifier(config()).verify(same.token)).rejects.toThrow(InvalidTokenError);
  });

  it('uses AUTH_STREAM_TOKEN_SECRET when set, so JWKS deployments share one key', async () => {
    const jwks = config({ mode: 'jwks', jwtSecret: undefined, jwksUrl: 'https://idp/jwks' });
    const shared = { ...jwks, streamTokenSecret: 'another-secret-of-thirty-two-characters!' };
    const minted = await new StreamTokenSigner(shared).mint('ann', 'c-1');
    await expect(new StreamTokenSigner(shared).verify(minted.token, 'c-1')).resolves.toBeTruthy();
    // Without it each process has its own key.
    const alone = await new StreamTokenSigner(jwks).mint('ann', 'c-1');
    await expect(new StreamTokenSigner(jwks).verify(alone.token, 'c-1')).rejects.toThrow(
      InvalidTokenError,
    );
  });
});
