import { checkWebhookUrl, guardedLookup, RefusedDestinationError } from './webhook-destination';

const strict = { allowHttp: false, allowPrivate: false };
const open = { allowHttp: true, allowPrivate: true };

describe('checkWebhookUrl', () => {
  it.each([
    ['http://example.com/h', /https/],
    ['https://127.0.0.1/h', /private/],
    ['https://[::1]:8443/h', /private/],
    ['https://LOCALHOST/h', /private/],
    ['https://api.localhost/h', /private/],
    ['https://u:p@example.com/h', /credentials/],
    ['example.com/h', /absolute/],
  ])('refuses %s by default', (url, reason) => {
    expect(() => checkWebhookUrl(url, strict)).toThrow(RefusedDestinationError);
    expect(() => checkWebhookUrl(url, strict)).toThrow(reason);
  });

  it('takes public https URLs, and http or private ones only when allowed', () => {
    expect(checkWebhookUrl('https://hooks.example.com/a?b=1', strict).href).toBe(
      'https://hooks.example.com/a?b=1',
    );
    expect(checkWebhookUrl('http://127.0.0.1:9/h', open).port).toBe('9');
    expect(() => checkWebhookUrl('ftp://example.com/', open)).toThrow(/https or http/);
  });
});

describe('guardedLookup', () => {
  const resolve = (host: string, rules: typeof strict) =>
    new Promise<{ error: Error | null; address: unknown }>((done) =>
      guardedLookup(rules)(host, {}, (error, address) => done({ error, address })),
    );

  it('refuses a name that resolves to a private address unless allowed', async () => {
    const refused = await resolve('localhost', strict);
    expect(refused.error).toBeInstanceOf(RefusedDestinationError);
    const allowed = await resolve('localhost', open);
    expect(allowed.error).toBeNull();
    expect(['127.0.0.1', '::1']).toContain(allowed.address);
  });
});
