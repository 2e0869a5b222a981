/**
 * Descriptors: BIP-380/381/382/386/389 test vectors and Bitcoin Core's checksum cases. Scripts of valid
 * descriptors are rebuilt from parseDescriptor's output with @scure/bip32 + @scure/btc-signer and
 * compared with the scripts the BIPs list.
 */
import { HDKey } from '@scure/bip32';
import { p2pkh, p2sh, p2tr, p2wpkh } from '@scure/btc-signer';
import { describe, expect, it } from 'vitest';
import { hash160, toHex } from '../../../src/validation/bytes.js';
import { descriptorChecksum, parseDescriptor, validateDescriptor, type ParsedDescriptor } from '../../../src/validation/descriptor.js';
import vectors from '../../vectors/descriptors.json' with { type: 'json' };

interface Expectation {
  valid: boolean;
  code?: string;
  scriptType?: string;
}

/** The BIP-380 reference (Python in the BIP) transcribed literally with BigInt: a second implementation. */
function referenceChecksum(s: string): string | null {
  const INPUT_CHARSET = '0123456789()[],\'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#"\\ ';
  const CHECKSUM_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
  const GENERATOR = [0xf5dee51989n, 0xa9fdca3312n, 0x1bab10e32dn, 0x3706b1677an, 0x644d626ffdn];
  const polymod = (symbols: number[]) => {
    let chk = 1n;
    for (const value of symbols) {
      const top = chk >> 35n;
      chk = ((chk & 0x7ffffffffn) << 5n) ^ BigInt(value);
      for (let i = 0; i < 5; i++) if ((top >> BigInt(i)) & 1n) chk ^= GENERATOR[i]!;
    }
    return chk;
  };
  const groups: number[] = [];
  const symbols: number[] = [];
  for (const c of s) {
    const v = INPUT_CHARSET.indexOf(c);
    if (v === -1) return null;
    symbols.push(v & 31);
    groups.push(v >> 5);
    if (groups.length === 3) {
      symbols.push(groups[0]! * 9 + groups[1]! * 3 + groups[2]!);
      groups.length = 0;
    }
  }
  if (groups.length === 1) symbols.push(groups[0]!);
  else if (groups.length === 2) symbols.push(groups[0]! * 3 + groups[1]!);
  const checksum = polymod([...symbols, 0, 0, 0, 0, 0, 0, 0, 0]) ^ 1n;
  return Array.from({ length: 8 }, (_, i) => CHECKSUM_CHARSET[Number((checksum >> (5n * (7n - BigInt(i)))) & 31n)]).join('');
}

/** Output scripts (hex) of a parsed descriptor at child indexes 0…count-1 (first multipath branch). */
function scriptsOf(d: ParsedDescriptor, count: number): string[] {
  const pubkeyAt = (i: number): Uint8Array => {
    if (d.key.kind === 'pubkey') return d.key.encoding === 'x-only' ? Uint8Array.of(2, ...d.key.publicKey) : d.key.publicKey;
    const { xpub, steps } = d.key;
    let node = new HDKey({ publicKey: xpub.publicKey, chainCode: xpub.chainCode, depth: xpub.depth, index: xpub.childIndex, parentFingerprint: xpub.parentFingerprint });
    for (const step of steps) node = node.deriveChild(step.type === 'index' ? step.index : step.type === 'multipath' ? step.indexes[0]! : i);
    return node.publicKey!;
  };
  return Array.from({ length: count }, (_, i) => {
    const pub = pubkeyAt(i);
    switch (d.scriptType) {
      case 'p2pkh':
        return `76a914${toHex(hash160(pub))}88ac`;
      case 'p2wpkh':
        return toHex(p2wpkh(pub).script);
      case 'p2sh-p2wpkh':
        return toHex(p2sh(p2wpkh(pub)).script);
      case 'p2tr':
        return toHex(p2tr(pub.subarray(1)).script);
    }
  });
}

function check(descriptor: string, expected: Expectation, scripts?: string[]) {
  const result = validateDescriptor(descriptor);
  if (!expected.valid) {
    expect(result).toMatchObject({ valid: false, errors: [{ code: expected.code }] });
    expect(result.normalized).toBeUndefined();
    return;
  }
  expect(result).toMatchObject({ valid: true, details: { scriptType: expected.scriptType } });
  const parsed = parseDescriptor(descriptor);
  if (!parsed.ok) throw new Error(parsed.issue.message);
  expect(result.normalized).toBe(`${parsed.value.body}#${referenceChecksum(parsed.value.body)}`);
  if (scripts !== undefined && scripts.length > 0) expect(scriptsOf(parsed.value, scripts.length)).toEqual(scripts);
}

const label = (e: Expectation) => (e.valid ? `valid ${e.scriptType}` : e.code);

describe('BIP-380 checksum vectors', () => {
  vectors.bip380.checksum.forEach(({ description, descriptor, satchel }) => {
    it(`BIP-380 checksum: ${description} (${descriptor}) → ${label(satchel)}`, () => check(descriptor, satchel));
  });
  it('BIP-380: descriptorChecksum(raw(deadbeef)) is 89f8spxm', () => {
    expect(descriptorChecksum('raw(deadbeef)')).toBe('89f8spxm');
    expect(descriptorChecksum('raw(Ü)')).toBeNull();
  });
});

describe('BIP-380 key expressions (as pkh(KEY))', () => {
  vectors.bip380.validKeys.forEach(({ description, expression, satchel }, i) => {
    it(`BIP-380 valid key ${i + 1}: ${description} → ${label(satchel)}`, () => check(`pkh(${expression})`, satchel));
  });
  vectors.bip380.invalidKeys.forEach(({ description, expression, satchel }, i) => {
    it(`BIP-380 invalid key ${i + 1}: ${description} → ${label(satchel)}`, () => check(`pkh(${expression})`, satchel));
  });
});

for (const bip of ['bip381', 'bip382', 'bip386'] as const) {
  const name = `BIP-${bip.slice(3)}`;
  describe(`${name} vectors`, () => {
    vectors[bip].valid.forEach(({ descriptor, scripts, satchel }, i) => {
      it(`${name} valid ${i + 1}: ${descriptor.slice(0, 60)} → ${label(satchel)}`, () => check(descriptor, satchel, scripts));
    });
    vectors[bip].invalid.forEach(({ description, expression, satchel }, i) => {
      it(`${name} invalid ${i + 1}: ${description} → ${label(satchel)}`, () => check(expression, satchel));
    });
  });
}

describe('BIP-389 multipath vectors', () => {
  vectors.bip389.valid.forEach(({ descriptor, expandsTo, satchel }, i) => {
    it(`BIP-389 valid ${i + 1}: ${descriptor.slice(0, 60)} → ${label(satchel)}`, () => {
      check(descriptor, satchel);
      if (!satchel.valid) return;
      expect(validateDescriptor(descriptor).details).toMatchObject({ multipath: true });
      const parsed = parseDescriptor(descriptor);
      if (!parsed.ok || parsed.value.key.kind !== 'xpub') throw new Error('expected an xpub descriptor');
      const multipath = parsed.value.key.steps.find((s) => s.type === 'multipath');
      if (multipath?.type !== 'multipath') throw new Error('expected a multipath step');
      expect(multipath.indexes).toHaveLength(expandsTo.length);
      // Each expansion is the same descriptor with the tuple replaced by its n-th index.
      expandsTo.forEach((expanded, n) => {
        const single = parseDescriptor(expanded);
        if (!single.ok || single.value.key.kind !== 'xpub') throw new Error(`expansion ${n} did not parse`);
        const steps = parsed.value.key.kind === 'xpub' ? parsed.value.key.steps : [];
        expect(single.value.key.steps).toEqual(steps.map((s) => (s.type === 'multipath' ? { type: 'index', index: s.indexes[n] } : s)));
      });
    });
  });
  vectors.bip389.invalid.forEach(({ description, expression, satchel }, i) => {
    it(`BIP-389 invalid ${i + 1}: ${description} → ${label(satchel)}`, () => check(expression, satchel));
  });
});

describe('Bitcoin Core checksum cases', () => {
  vectors.bitcoinCore.checksums.forEach(({ body, checksum }, i) => {
    it(`Bitcoin Core checksum ${i + 1}: ${checksum}`, () => {
      expect(descriptorChecksum(body)).toBe(checksum);
      expect(referenceChecksum(body)).toBe(checksum);
    });
  });
  vectors.bitcoinCore.descriptors.forEach(({ descriptor, description, satchel }, i) => {
    it(`Bitcoin Core descriptor ${i + 1}: ${description} → ${label(satchel)}`, () => check(descriptor, satchel));
  });
  it('agrees with the BigInt reference on 2,000 random strings over the whole character set', () => {
    const charset = '0123456789()[],\'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`"\\ ';
    let seed = 1;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let n = 0; n < 2000; n++) {
      const s = Array.from({ length: Math.floor(random() * 300) }, () => charset[Math.floor(random() * charset.length)]).join('');
      expect(descriptorChecksum(s)).toBe(referenceChecksum(s));
    }
  });
});

const XPUB = 'xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL';
const CORE_WPKH = 'wpkh([d34db33f/84h/0h/0h]xpub6DJ2dNUysrn5Vt36jH2KLBT2i1auw1tTSSomg8PhqNiUtx8QX2SvC9nrHu81fT41fvDUnhMjEzQgXnQjKEu3oaqMSzhSrHMxyyoEAmUHQbY/0/*)';

describe('Satchel descriptor rules', () => {
  it('reports details and appends the checksum, keeping the key text as given', () => {
    const result = validateDescriptor(`sh(wpkh([D34DB33F/49'/0'/0']${XPUB}/<0;1>/*))`);
    expect(result.valid).toBe(true);
    expect(result.normalized).toMatch(new RegExp(`^sh\\(wpkh\\(\\[D34DB33F/49'/0'/0'\\]${XPUB}/<0;1>/\\*\\)\\)#[${'qpzry9x8gf2tvdw0s3jn54khce6mua7l'}]{8}$`));
    expect(result.details).toEqual({
      scriptType: 'p2sh-p2wpkh',
      network: 'mainnet',
      hasChecksum: false,
      multipath: true,
      ranged: true,
      keyOrigin: { fingerprint: 'D34DB33F', path: "m/49'/0'/0'" },
      fingerprint: 'd34db33f',
    });
    expect(validateDescriptor(result.normalized)).toEqual({ ...result, details: { ...result.details, hasChecksum: true } });
  });

  it('returns the structure wallets need from parseDescriptor', () => {
    const parsed = parseDescriptor(`tr([deadbeef/86h/0h/0h]${XPUB}/<0;1>/*)`);
    if (!parsed.ok) throw new Error(parsed.issue.message);
    expect(parsed.value).toMatchObject({
      scriptType: 'p2tr',
      network: 'mainnet',
      hasChecksum: false,
      multipath: true,
      ranged: true,
      key: {
        kind: 'xpub',
        text: XPUB,
        origin: { fingerprint: 'deadbeef', path: [0x80000056, 0x80000000, 0x80000000], text: '86h/0h/0h' },
        steps: [{ type: 'multipath', indexes: [0, 1] }, { type: 'wildcard' }],
      },
    });
  });

  it.each([
    ['pkh', `pkh(${XPUB}/0/*)`, 'p2pkh'],
    ['sh(wpkh)', `sh(wpkh(${XPUB}/1/*))`, 'p2sh-p2wpkh'],
    ['wpkh', `wpkh(${XPUB}/<0;1>/*)`, 'p2wpkh'],
    ['tr', `tr(${XPUB}/0/*)`, 'p2tr'],
    ['fixed path', `wpkh(${XPUB}/0/5)`, 'p2wpkh'],
    ['bare xpub', `wpkh(${XPUB})`, 'p2wpkh'],
    ['compressed pubkey in tr', 'tr(03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)', 'p2tr'],
    ['checksummed (Bitcoin Core example)', `${CORE_WPKH}#cjjspncu`, 'p2wpkh'],
  ])('accepts %s', (_name, descriptor, scriptType) => {
    expect(validateDescriptor(descriptor)).toMatchObject({ valid: true, details: { scriptType } });
  });

  it('refuses SLIP-132 keys inside descriptors, as Bitcoin Core does', () => {
    const zpub = 'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs';
    expect(validateDescriptor(`wpkh(${zpub}/0/*)`)).toMatchObject({ valid: false, errors: [{ code: 'slip132_in_descriptor' }] });
    const ypub = 'ypub6Ww3ibxVfGzLrAH1PNcjyAWenMTbbAosGNB6VvmSEgytSER9azLDWCxoJwW7Ke7icmizBMXrzBx9979FfaHxHcrArf3zbeJJJUZPf663zsP';
    expect(validateDescriptor(`sh(wpkh(${ypub}/0/*))`).errors?.[0]?.code).toBe('slip132_in_descriptor');
  });

  it.each([
    ['hardened step after the xpub', `wpkh(${XPUB}/0h/*)`, 'hardened_derivation'],
    ['hardened wildcard', `wpkh(${XPUB}/0/*')`, 'hardened_derivation'],
    ['hardened multipath index', `wpkh(${XPUB}/<0h;1>/*)`, 'hardened_derivation'],
    ['index out of range', `wpkh(${XPUB}/2147483648)`, 'invalid_derivation'],
    ['index not a number', `wpkh(${XPUB}/1aa)`, 'invalid_derivation'],
    ['wildcard not last', `wpkh(${XPUB}/*/0)`, 'invalid_derivation'],
    ['empty step', `wpkh(${XPUB}//0)`, 'invalid_derivation'],
    ['duplicate multipath index', `wpkh(${XPUB}/<0;0>/*)`, 'invalid_multipath'],
    ['single multipath index', `wpkh(${XPUB}/<0>/*)`, 'invalid_multipath'],
    ['two multipath steps', `wpkh(${XPUB}/<0;1>/<2;3>)`, 'invalid_multipath'],
    ['multiple key origins', `wpkh([aaaaaaaa][aaaaaaaa]${XPUB}/0)`, 'invalid_key_origin'],
    ['missing key origin start', `wpkh(aaaaaaaa]${XPUB}/0)`, 'invalid_key_origin'],
    ['missing key origin end', `wpkh([aaaaaaaa${XPUB}/0)`, 'invalid_key_origin'],
    ['non-hex fingerprint', `wpkh([gaaaaaaa]${XPUB}/0)`, 'invalid_key_origin'],
    ['derivation after a plain key', 'wpkh(03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd/0)', 'invalid_derivation'],
    ['x-only key outside tr', 'wpkh(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)', 'invalid_key'],
    ['pubkey not on the curve', 'wpkh(020000000000000000000000000000000000000000000000000000000000000007)', 'invalid_public_key'],
    ['broken xpub', `wpkh(${XPUB.slice(0, -1)}F/0/*)`, 'invalid_key'],
    ['empty key', 'wpkh()', 'invalid_key'],
    ['unknown function', `foo(${XPUB})`, 'invalid_syntax'],
    ['unbalanced', `wpkh(${XPUB}`, 'invalid_syntax'],
    ['sh of a key', `sh(${XPUB})`, 'invalid_syntax'],
    ['wsh', `wsh(pkh(${XPUB}))`, 'unsupported_script'],
    ['multi', `sh(multi(1,${XPUB}))`, 'unsupported_script'],
    ['addr', 'addr(bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4)', 'unsupported_script'],
  ])('refuses %s with %s', (_name, descriptor, code) => {
    expect(validateDescriptor(descriptor)).toMatchObject({ valid: false, errors: [{ code }] });
  });

  it('checks the network of the key', () => {
    expect(validateDescriptor(`wpkh(${XPUB}/0/*)`, { network: 'testnet' }).errors?.[0]?.code).toBe('wrong_network');
    const tpub = 'tpubD6NzVbkrYhZ4WaWSyoBvQwbpLkojyoTZPRsgXELWz3Popb3qkjcJyJUGLnL4qHHoQvao8ESaAstxYSnhyswJ76uZPStJRJCTKvosUCJZL5B';
    expect(validateDescriptor(`wpkh(${tpub}/0/*)`)).toMatchObject({ valid: true, details: { network: 'testnet' } });
    expect(validateDescriptor(`wpkh(${tpub}/0/*)`, { network: 'signet' })).toMatchObject({ valid: true, details: { network: 'signet' } });
    expect(validateDescriptor(`wpkh(${tpub}/0/*)`, { network: 'mainnet' }).errors?.[0]?.code).toBe('wrong_network');
    // A plain public key belongs to no network: none is reported unless one was asked for.
    const plain = 'wpkh(03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)';
    expect(validateDescriptor(plain).details).not.toHaveProperty('network');
    expect(validateDescriptor(plain, { network: 'regtest' }).details).toMatchObject({ network: 'regtest' });
  });

  it('refuses private keys without echoing them, even mistyped or behind a bad checksum', () => {
    const xprv = 'xprvA1RpRA33e1JQ7ifknakTFpgNXPmW2YvmhqLQYMmrj4xJXXWYpDPS3xz7iAxn8L39njGVyuoseXzU6rcxFLJ8HFsTjSyQbLYnMpCqE2VbFWc';
    for (const descriptor of [`wpkh(${xprv}/0/*)`, `wpkh(${xprv.slice(0, -1)}X/0/*)#00000000`, ` wpkh(${xprv})`, 'wpkh(L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1)']) {
      const result = validateDescriptor(descriptor);
      expect(result).toMatchObject({ valid: false, errors: [{ code: 'private_key_rejected' }] });
      expect(JSON.stringify(result)).not.toMatch(/xprv|L4rK1y|prv[A-Za-z0-9]{8}/);
    }
  });
});

describe('hostile descriptor input', () => {
  it.each([
    ['empty', '', 'empty'],
    ['leading space', ` ${CORE_WPKH}`, 'whitespace'],
    ['trailing newline', `${CORE_WPKH}\n`, 'whitespace'],
    ['10 kB', `wpkh(${'0'.repeat(10_000)})`, 'too_long'],
    ['Cyrillic р in pkh', `рkh(${XPUB})`, 'invalid_characters'],
    ['emoji', `wpkh(${XPUB}/0/*)🙂`, 'invalid_characters'],
    ['upper-case function', `WPKH(${XPUB})`, 'invalid_syntax'],
  ])('%s → %s', (_name, value, code) => {
    expect(validateDescriptor(value)).toMatchObject({ valid: false, errors: [{ code }] });
  });
  it.each([42, null, undefined, {}, [CORE_WPKH], false])('%s → wrong_type', (value) => {
    expect(validateDescriptor(value)).toMatchObject({ valid: false, errors: [{ code: 'wrong_type' }] });
  });
  it('parses 1,000-character adversarial nesting quickly', () => {
    const nasty = `${'sh('.repeat(330)}${')'.repeat(330)}`.slice(0, 1000);
    const start = performance.now();
    for (let i = 0; i < 200; i++) validateDescriptor(nasty);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});
