import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { isPrivateAddress } from './webhook-address';

/** Which destinations a deployment allows (`WEBHOOKS_ALLOW_HTTP`, `WEBHOOKS_ALLOW_PRIVATE`). */
export interface DestinationRules {
  allowHttp: boolean;
  allowPrivate: boolean;
}

/** Why a destination is refused, in words for a 400 answer or a delivery's `last_error`. */
export class RefusedDestinationError extends Error {
  override readonly name = 'RefusedDestinationError';
}

/** Longest URL stored (the `webhook_url` column). */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Checks a webhook URL as written, before anything is stored: an absolute `https:` URL (`http:`
 * too when allowed) without credentials, whose host, if an IP literal or `localhost`, is not a
 * private one unless allowed. Names are resolved at delivery time ({@link guardedLookup}), where
 * the address actually connected to is the one checked.
 * @returns the URL, normalised
 * @throws RefusedDestinationError
 */
export function checkWebhookUrl(raw: string, rules: DestinationRules): URL {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) {
    throw new RefusedDestinationError(`must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RefusedDestinationError('must be an absolute URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && rules.allowHttp)) {
    throw new RefusedDestinationError(
      rules.allowHttp ? 'must use https or http' : 'must use https',
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new RefusedDestinationError('must not carry credentials');
  }
  if (!rules.allowPrivate && isPrivateHost(url.hostname)) {
    throw new RefusedDestinationError(
      'must not point at a private, loopback or link-local address',
    );
  }
  return url;
}

function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return isIP(host) !== 0 && isPrivateAddress(host);
}

/**
 * A `lookup` for `http.request` that resolves the name and refuses (unless allowed) any private
 * address among the answers, so the check and the connection use the same address: a name that
 * resolves to a public address when checked and to 127.0.0.1 when connecting (DNS rebinding)
 * cannot reach inside.
 */
export function guardedLookup(rules: DestinationRules): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = !rules.allowPrivate && addresses.some((a) => isPrivateAddress(a.address));
      if (refused || addresses.length === 0) {
        return callback(
          new RefusedDestinationError(`${hostname} resolves to a private address`),
          '',
          0,
        );
      }
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
