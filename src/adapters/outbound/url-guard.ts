/**
 * SPEC "Outbound URLs": user-supplied URLs are http(s) only, and the host — a literal or every address a
 * name resolves to — must not be loopback, private, link-local (cloud metadata lives there), multicast
 * or otherwise reserved. Checked when the URL is saved and again when connecting (webhook-poster.ts's
 * lookup), so a DNS answer that changes later is caught too. `allowPrivate` (WEBHOOK_ALLOW_PRIVATE=1)
 * lifts the address rule for tests and private deployments; the scheme rule always holds.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { OutboundUrlGuard } from '../../domain/lightning/payment-webhooks.js';

const refused = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, incl. 169.254.169.254 metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved + broadcast
] as const) {
  refused.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (incl. fd00:ec2::254 metadata)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  refused.addSubnet(network, prefix, 'ipv6');
}

const RESERVED = 'a loopback, private, link-local or reserved address';

/** What makes `address` (an IP literal) refused, e.g. "a loopback, … address", or null when it is allowed. */
export function refusedAddressReason(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    const lower = address.toLowerCase();
    // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach IPv4 hosts: judge the IPv4 inside.
    const embedded = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower)?.[1];
    if (embedded) return refusedAddressReason(embedded);
    const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
    if (mappedHex) {
      const [hi, lo] = [parseInt(mappedHex[1]!, 16), parseInt(mappedHex[2]!, 16)];
      return refusedAddressReason(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
    }
    return refused.check(address, 'ipv6') ? RESERVED : null;
  }
  return refused.check(address, 'ipv4') ? RESERVED : null;
}

export function outboundUrlGuard(options: { allowPrivate: boolean; resolve?: (host: string) => Promise<string[]> }): OutboundUrlGuard {
  const resolve = options.resolve ?? (async (host: string) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address));
  return {
    async check(raw: string): Promise<void> {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new Error('it is not a URL');
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`only http and https URLs are allowed, not ${url.protocol}`);
      if (url.username || url.password) throw new Error('credentials in the URL are not allowed');
      if (options.allowPrivate) return;
      const host = url.hostname.replace(/^\[|\]$/g, '');
      let addresses: string[];
      if (isIP(host)) addresses = [host];
      else {
        try {
          addresses = await resolve(host);
        } catch {
          throw new Error(`${host} does not resolve`);
        }
      }
      for (const address of addresses) {
        const reason = refusedAddressReason(address);
        if (reason) throw new Error(host === address ? `${address} is ${reason}` : `${host} resolves to ${address}, ${reason}`);
      }
    },
  };
}
