/**
 * Which networks an encoding can belong to. Testnet, signet and regtest share base58 versions and the
 * tpub family, and testnet and signet share the `tb` bech32 prefix, so a value alone cannot always name
 * its network: without a requested network we name the most common one (testnet); with one, we accept
 * the value for any network its encoding is shared with (SPEC: Validation).
 */
import type { Network } from './types.js';

export type NetworkFamily =
  /** bc, base58 0x00/0x05, xpub family */
  | 'mainnet'
  /** base58 0x6f/0xc4 and the tpub family: testnet, signet and regtest */
  | 'test'
  /** bech32 `tb`: testnet and signet (regtest uses `bcrt`) */
  | 'tb'
  /** bech32 `bcrt` */
  | 'regtest';

const MEMBERS: Record<NetworkFamily, readonly Network[]> = {
  mainnet: ['mainnet'],
  test: ['testnet', 'signet', 'regtest'],
  tb: ['testnet', 'signet'],
  regtest: ['regtest'],
};

/** The network to report for a value of `family`, or null when `requested` is not one it belongs to. */
export function resolveNetwork(family: NetworkFamily, requested?: Network): Network | null {
  const members = MEMBERS[family];
  if (requested === undefined) return members[0]!;
  return members.includes(requested) ? requested : null;
}

export function familyLabel(family: NetworkFamily): string {
  return MEMBERS[family].join('/');
}
