import { isIPv6 } from 'node:net';

/** Addresses that mean "every interface": a browser cannot open them. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/**
 * The address to show a person for a server listening on `host:port`: `localhost` for a wildcard
 * address, IPv6 literals in brackets.
 */
export function publicUrl(host: string, port: number): string {
  const shown = WILDCARD_HOSTS.has(host) ? 'localhost' : isIPv6(host) ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}
