/**
 * Address derivation: addresses/s for one P2WPKH receive chain, per library, in one run.
 *  - @scure/bip32 HDKey + @scure/btc-signer p2wpkh (pure JS, @noble underneath)
 *  - bip32 + tiny-secp256k1 (WASM) + bitcoinjs-lib payments
 *  - Satchel's derivation over each KeyCrypto port: @noble, tiny-secp256k1 + node:crypto,
 *    libsecp256k1 (`secp256k1` N-API) + node:crypto — the server's default
 *  - Electrum 4 (Debian's python3-electrum, libsecp256k1 via ctypes) as the reference, when installed.
 * "warm" = chain node derived once, then one child per address; "cold" = from the xpub string:
 * parse, derive the chain node, then a window of 20 (one gap-limit round) or 1,000 addresses.
 * Every path is first checked against the BIP-84 vector. Target: cold ≥ 1.5× Electrum's rate.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { HDKey } from '@scure/bip32';
import { p2wpkh } from '@scure/btc-signer';
import BIP32Factory from 'bip32';
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { loadNativeKeyCrypto } from '../../src/adapters/crypto/native-key-crypto.js';
import { createAddressEncoder, deriveAddresses, deriveChild, type PublicNode } from '../../src/domain/wallets/derivation.js';
import type { KeyCrypto } from '../../src/domain/wallets/key-crypto.js';
import { nobleKeyCrypto } from '../../src/domain/wallets/noble-key-crypto.js';
import { createWalletDeriver } from '../../src/domain/wallets/wallet-deriver.js';
import { parseWalletSource } from '../../src/domain/wallets/wallet-source.js';
import { parseExtendedPublicKey } from '../../src/validation/xpub.js';
import { check, measureSync } from '../lib/measure.js';
import { fmt, target, writeReport } from '../lib/report.js';

const quick = process.env.BENCH_QUICK === '1';
const minMs = quick ? 150 : 600;
// BIP-84 test vector account m/84'/0'/0' ("abandon … about"), as xpub and as the zpub SLIP-132 form.
const XPUB = 'xpub6CatWdiZiodmUeTDp8LT5or8nmbKNcuyvz7WyksVFkKB4RHwCD3XyuvPEbvqAQY3rAPshWcMLoP2fMFMKHPJ4ZeZXYVUhLv1VMrjPC7PW6V';
const ZPUB = 'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs';
const FIRST = 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu';
const SECOND = 'bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g';

const tinyKeyCrypto: KeyCrypto = {
  name: 'tiny-secp256k1+node:crypto',
  publicKeyTweakAdd: (pub, tweak) => ecc.pointAddScalar(pub, tweak, true),
  hmacSha512: (key, data) => createHmac('sha512', key).update(data).digest(),
  sha256: (data) => createHash('sha256').update(data).digest(),
  hash160: (data) => createHash('ripemd160').update(createHash('sha256').update(data).digest()).digest(),
};

interface Path {
  name: string;
  /** address at index i of the receive chain, chain node cached */
  warm: (i: number) => string;
  /** `count` addresses from the xpub string */
  cold: (count: number) => string[];
}

function satchelPath(crypto: KeyCrypto): Path {
  // The server's real cold path: the validation library parses the key.
  const parse = (): PublicNode => {
    const key = parseExtendedPublicKey(XPUB);
    if (!key.ok) throw new Error(key.issue.message);
    return { publicKey: key.value.publicKey, chainCode: key.value.chainCode };
  };
  const format = { scriptType: 'p2wpkh', network: 'mainnet' } as const;
  const chainNode = deriveChild(crypto, parse(), 0);
  const encode = createAddressEncoder(crypto, format);
  return {
    name: `satchel over ${crypto.name}`,
    warm: (i) => deriveAddresses(crypto, chainNode, format, i, 1, encode)[0]!.address,
    cold: (count) => deriveAddresses(crypto, deriveChild(crypto, parse(), 0), format, 0, count).map((a) => a.address),
  };
}

const bip32 = BIP32Factory(ecc);
const paths: Path[] = [
  (() => {
    const chain = HDKey.fromExtendedKey(XPUB).deriveChild(0);
    return {
      name: '@scure/bip32 + @scure/btc-signer',
      warm: (i: number) => p2wpkh(chain.deriveChild(i).publicKey!).address!,
      cold: (count: number) => {
        const c = HDKey.fromExtendedKey(XPUB).deriveChild(0);
        return Array.from({ length: count }, (_, i) => p2wpkh(c.deriveChild(i).publicKey!).address!);
      },
    };
  })(),
  (() => {
    const chain = bip32.fromBase58(XPUB).derive(0);
    const addr = (node: ReturnType<typeof bip32.fromBase58>, i: number) =>
      bitcoin.payments.p2wpkh({ pubkey: node.derive(i).publicKey }).address!;
    return {
      name: 'bip32 + tiny-secp256k1 + bitcoinjs-lib',
      warm: (i: number) => addr(chain, i),
      cold: (count: number) => {
        const c = bip32.fromBase58(XPUB).derive(0);
        return Array.from({ length: count }, (_, i) => addr(c, i));
      },
    };
  })(),
  satchelPath(nobleKeyCrypto),
  satchelPath(tinyKeyCrypto),
];
const native = loadNativeKeyCrypto();
if (native) {
  paths.push(satchelPath(native));
  // The whole wallet path: zpub → normalized descriptor → deriver → addresses.
  paths.push({
    name: `satchel wallet (zpub → descriptor → deriver) over ${native.name}`,
    warm: (() => {
      const deriver = createWalletDeriver(parseWalletSource(ZPUB), native);
      return (i: number) => deriver.derive(0, i, 1)[0]!.address;
    })(),
    cold: (count) => createWalletDeriver(parseWalletSource(ZPUB), native).derive(0, 0, count).map((a) => a.address),
  });
}

interface ElectrumFigures {
  version: string;
  warm: number;
  cold: number;
}

/** Electrum's own BIP32Node + pubkey_to_address, the same work as its keystore's derive_pubkey. */
function measureElectrum(): ElectrumFigures | null {
  const script = `
import json, time
from electrum.bip32 import BIP32Node
from electrum import bitcoin, version
acct = BIP32Node.from_xkey('${ZPUB}')
chain = acct.subkey_at_public_derivation([0])
addr = lambda node: bitcoin.pubkey_to_address('p2wpkh', node.eckey.get_public_key_hex(compressed=True))
assert addr(chain.subkey_at_public_derivation([0])) == '${FIRST}'
N = ${quick ? 1000 : 4000}
def rate(fn):
    best = 0
    for _ in range(3):
        t = time.perf_counter(); fn(); best = max(best, N / (time.perf_counter() - t))
    return best
warm = rate(lambda: [addr(chain.subkey_at_public_derivation([i])) for i in range(N)])
def cold():
    for start in range(0, N, 20):
        c = BIP32Node.from_xkey('${ZPUB}').subkey_at_public_derivation([0])
        [addr(c.subkey_at_public_derivation([i])) for i in range(start, start + 20)]
print(json.dumps({'version': version.ELECTRUM_VERSION, 'warm': warm, 'cold': rate(cold)}))
`;
  for (const python of ['/usr/bin/python3', 'python3']) {
    try {
      return JSON.parse(execFileSync(python, ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as ElectrumFigures;
    } catch {
      // not installed for this interpreter: try the next
    }
  }
  return null;
}

const rows: Array<Record<string, string | number>> = [];
const rates = new Map<string, { warm: number; cold20: number; cold1000: number }>();
for (const path of paths) {
  check(path.warm(0) === FIRST && path.warm(1) === SECOND, `${path.name} derives the BIP-84 vector`);
  const cold = path.cold(20);
  check(cold[0] === FIRST && cold[1] === SECOND && cold.length === 20, `${path.name} cold derivation`);
  let i = 0;
  const warm = measureSync(() => path.warm(i++ & 0xffff), { minMs, batch: 200 }).opsPerSec;
  const cold20 = measureSync(() => path.cold(20), { minMs, batch: 10 }).opsPerSec * 20;
  const cold1000 = measureSync(() => path.cold(1000), { minMs, batch: 1 }).opsPerSec * 1000;
  rates.set(path.name, { warm, cold20, cold1000 });
  rows.push({
    implementation: path.name,
    'warm addr/s': fmt(warm),
    'cold addr/s (windows of 20)': fmt(cold20),
    'cold addr/s (1,000)': fmt(cold1000),
    'µs/address (warm)': fmt(1e6 / warm),
  });
  console.log(`  ${path.name}: warm ${fmt(warm)}/s, cold(20) ${fmt(cold20)}/s, cold(1000) ${fmt(cold1000)}/s`);
}

const notes: string[] = [];
const electrum = measureElectrum();
// Without a local Electrum: the guide's ~300 µs/address (≈3,300/s) is the reference figure.
const electrumRate = electrum ? Math.max(electrum.warm, electrum.cold) : 3300;
if (electrum) {
  rows.push({
    implementation: `Electrum ${electrum.version} (python3-electrum, libsecp256k1)`,
    'warm addr/s': fmt(electrum.warm),
    'cold addr/s (windows of 20)': fmt(electrum.cold),
    'cold addr/s (1,000)': '',
    'µs/address (warm)': fmt(1e6 / electrum.warm),
  });
  notes.push(`Electrum measured in the same run via /usr/bin/python3 (best of 3 × ${quick ? 1000 : 4000}); the reference is its faster figure.`);
} else {
  notes.push('Electrum not installed (apt-get install python3-electrum): reference = ~300 µs/address ≈ 3,300/s (guide); the issue quotes ~7,000/s.');
}
const server = native ? rates.get(`satchel over ${native.name}`)! : rates.get(`satchel over ${nobleKeyCrypto.name}`)!;
const serverName = native ? native.name : nobleKeyCrypto.name;
notes.push(`Server path: ${serverName}. Browser/fallback path: ${nobleKeyCrypto.name}.`);
const scure = rates.get('@scure/bip32 + @scure/btc-signer')!;

writeReport({
  name: 'derivation',
  description: 'P2WPKH receive addresses per second from the BIP-84 test account, one process, same run.',
  rows,
  targets: [
    target(`server cold (windows of 20) vs Electrum${electrum ? '' : ' (guide figure)'}`, server.cold20 / electrumRate, { atLeast: 1.5 }),
    target(`server cold (1,000) vs Electrum${electrum ? '' : ' (guide figure)'}`, server.cold1000 / electrumRate, { atLeast: 1.5 }),
    target('server warm vs @scure/bip32', server.warm / scure.warm, { atLeast: 1 }),
  ],
  notes,
});
