/**
 * Test wallets with private keys: BIP-44/49/84/86 accounts of the BIP-39 test mnemonic on testnet
 * paths (m/purpose'/1'/account'), so tests can both watch (tpub) and spend (private keys).
 * Addresses here come from @scure/btc-signer, independently of Satchel's derivation.
 */
import { pbkdf2Sync } from 'node:crypto';
import { hex } from '@scure/base';
import { HDKey } from '@scure/bip32';
import { p2pkh, p2sh, p2tr, p2wpkh } from '@scure/btc-signer';
import { REGTEST, type SpendableType } from './fake-chain.js';

export const TEST_MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const TESTNET_VERSIONS = { private: 0x04358394, public: 0x043587cf };
let root: HDKey | undefined;

export type TestScriptType = 'p2pkh' | 'p2sh-p2wpkh' | 'p2wpkh' | 'p2tr';
const PURPOSE: Record<TestScriptType, number> = { p2pkh: 44, 'p2sh-p2wpkh': 49, p2wpkh: 84, p2tr: 86 };
const DESCRIPTOR: Record<TestScriptType, (key: string) => string> = {
  p2pkh: (k) => `pkh(${k})`,
  'p2sh-p2wpkh': (k) => `sh(wpkh(${k}))`,
  p2wpkh: (k) => `wpkh(${k})`,
  p2tr: (k) => `tr(${k})`,
};

export interface TestAddress {
  chain: 0 | 1;
  index: number;
  address: string;
  script: string;
  privateKey: Uint8Array;
}

export interface TestAccount {
  scriptType: TestScriptType;
  path: string;
  tpub: string;
  /** descriptor without checksum: `wpkh(tpub…/<0;1>/*)` */
  descriptor: string;
  address(chain: 0 | 1, index: number): TestAddress;
}

export function testAccount(scriptType: TestScriptType, account = 0): TestAccount {
  root ??= HDKey.fromMasterSeed(pbkdf2Sync(TEST_MNEMONIC, 'mnemonic', 2048, 64, 'sha512'), TESTNET_VERSIONS);
  const path = `m/${PURPOSE[scriptType]}'/1'/${account}'`;
  const node = root.derive(path);
  const chains = [node.deriveChild(0), node.deriveChild(1)] as const;
  const cache = new Map<string, TestAddress>();
  return {
    scriptType,
    path,
    tpub: node.publicExtendedKey,
    descriptor: DESCRIPTOR[scriptType](`${node.publicExtendedKey}/<0;1>/*`),
    address(chain, index) {
      const key = `${chain}/${index}`;
      const known = cache.get(key);
      if (known) return known;
      const child = chains[chain].deriveChild(index);
      const pub = child.publicKey!;
      const payment =
        scriptType === 'p2pkh'
          ? p2pkh(pub, REGTEST)
          : scriptType === 'p2wpkh'
            ? p2wpkh(pub, REGTEST)
            : scriptType === 'p2sh-p2wpkh'
              ? p2sh(p2wpkh(pub, REGTEST), REGTEST)
              : p2tr(pub.subarray(1), undefined, REGTEST);
      const result = { chain, index, address: payment.address!, script: hex.encode(payment.script), privateKey: child.privateKey! };
      cache.set(key, result);
      return result;
    },
  };
}

export function spendableType(scriptType: TestScriptType): SpendableType {
  if (scriptType === 'p2pkh') throw new Error('test chain spends only segwit/taproot outputs');
  return scriptType;
}
