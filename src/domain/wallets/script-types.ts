/** The single-key script types a watch-only wallet derives, and how each network encodes addresses. */
import type { Network } from '../../validation/types.js';

/** Descriptor function ↔ script type: pkh ↔ p2pkh, sh(wpkh) ↔ p2sh-p2wpkh, wpkh ↔ p2wpkh, tr ↔ p2tr. */
export const SCRIPT_TYPES = ['p2pkh', 'p2sh-p2wpkh', 'p2wpkh', 'p2tr'] as const;
export type ScriptType = (typeof SCRIPT_TYPES)[number];

export interface NetworkParams {
  bech32Hrp: string;
  pubKeyHashVersion: number;
  scriptHashVersion: number;
  /** BIP-32 version bytes for xpub/tpub: descriptors always carry the standard ones (BIP-380). */
  xpubVersion: number;
}

const MAINNET: NetworkParams = { bech32Hrp: 'bc', pubKeyHashVersion: 0x00, scriptHashVersion: 0x05, xpubVersion: 0x0488b21e };
const TESTNET: NetworkParams = { bech32Hrp: 'tb', pubKeyHashVersion: 0x6f, scriptHashVersion: 0xc4, xpubVersion: 0x043587cf };

export const NETWORK_PARAMS: Readonly<Record<Network, NetworkParams>> = {
  mainnet: MAINNET,
  testnet: TESTNET,
  // Signet shares testnet's prefixes; regtest differs only in its bech32 HRP.
  signet: TESTNET,
  regtest: { ...TESTNET, bech32Hrp: 'bcrt' },
};

/** BIP-44/49/84/86 purpose of each script type, used for the conventional account path. */
export const BIP_PURPOSE: Readonly<Record<ScriptType, number>> = {
  p2pkh: 44,
  'p2sh-p2wpkh': 49,
  p2wpkh: 84,
  p2tr: 86,
};
