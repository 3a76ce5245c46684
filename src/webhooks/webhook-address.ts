import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook must not reach unless the deployment allows private destinations: loopback,
 * private networks, link-local (cloud metadata at 169.254.169.254), shared and reserved ranges,
 * multicast, and their IPv6 counterparts. An IPv4-mapped IPv6 address is judged by its IPv4 part.
 */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** Whether `address` (an IP literal) is one a webhook may not reach by default. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const mapped = MAPPED_V4.exec(bare);
  if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
  const family = isIP(bare);
  if (family === 4) return PRIVATE.check(bare, 'ipv4');
  if (family === 6) {
    // ::ffff:7f00:1 is the hex spelling of a mapped IPv4 address.
    return PRIVATE.check(bare, 'ipv6') || isHexMappedPrivate(bare);
  }
  // Not an IP literal: nothing to judge here (names are resolved first).
  return false;
}

function isHexMappedPrivate(address: string): boolean {
  const match = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!match) return false;
  const high = parseInt(match[1], 16);
  const low = parseInt(match[2], 16);
  const v4 = `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  return PRIVATE.check(v4, 'ipv4');
}
