/**
 * What the UI tells a user about the chain backend (SPEC: Run modes — a privacy notice when chain
 * data comes from a public server, e.g. the default mempool.space): a public server learns every
 * address Satchel looks up, and so which addresses belong together. Only the host is shown, never a
 * path, query or credentials of the URL.
 */
import { isIP } from 'node:net';
import type { Config } from '../../config.js';

export interface ChainBackendInfo {
  backend: Config['chain']['backend'];
  /** host[:port] of the server; absent when there is none */
  host?: string;
  /** true unless the host is loopback, a private/link-local address or a local name */
  public: boolean;
}

function isPrivateAddress(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a = 0, b = 0] = ip.split('.').map(Number);
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
  }
  const v6 = ip.toLowerCase();
  return v6 === '::1' || v6.startsWith('fc') || v6.startsWith('fd') || v6.startsWith('fe80:') || v6.startsWith('::ffff:127.');
}

/** Loopback, private ranges, single-label names and .local/.lan/.internal/.home.arpa/.onion hosts are not public. */
export function isPublicHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(host)) return !isPrivateAddress(host);
  if (host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')) return false;
  return !/\.(local|lan|internal|home\.arpa|onion)$/.test(host);
}

export function chainBackendInfo(chain: Config['chain']): ChainBackendInfo {
  const url = chain.backend === 'esplora' ? chain.esploraUrl : chain.backend === 'electrum' ? chain.electrumUrl : undefined;
  if (!url) return { backend: chain.backend, public: false };
  const parsed = new URL(url);
  return { backend: chain.backend, host: parsed.host, public: isPublicHost(parsed.hostname) };
}
