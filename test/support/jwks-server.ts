import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';

/** A local JWKS endpoint serving an RS256 and an ES256 public key, with signers for both. */
export interface JwksServer {
  url: string;
  sign(alg: 'RS256' | 'ES256', claims: Record<string, unknown>, sub?: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts a JWKS server on 127.0.0.1 with fresh key pairs. */
export async function startJwksServer(): Promise<JwksServer> {
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const ec = await generateKeyPair('ES256', { extractable: true });
  const keys: Record<'RS256' | 'ES256', { privateKey: KeyLike; kid: string }> = {
    RS256: { privateKey: rsa.privateKey, kid: 'rsa-1' },
    ES256: { privateKey: ec.privateKey, kid: 'ec-1' },
  };
  const jwks = {
    keys: [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ],
  };
  const server: Server = createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    sign: (alg, claims, sub = 'jwks-user') =>
      new SignJWT(claims)
        .setProtectedHeader({ alg, kid: keys[alg].kid })
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(keys[alg].privateKey),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
