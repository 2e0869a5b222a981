/**
 * BOLT 11: every example of the spec (valid and invalid), cross-checked with light-bolt11-decoder, and
 * invoices built by the test writer for what the examples do not cover.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bech32 } from '@scure/base';
import { decode as referenceDecode } from 'light-bolt11-decoder';
import { recover } from 'tiny-secp256k1';
import { describe, expect, it } from 'vitest';
import { decodeAddress } from '../../../src/validation/address.js';
import { decodeBolt11, validateBolt11 } from '../../../src/validation/bolt11.js';
import { toHex } from '../../../src/validation/bytes.js';
import vectors from '../../vectors/bolt11.json' with { type: 'json' };
import { defaultFields, encodeInvoice, featureWords, hexField, intWords, SPEC_PAYEE, TAG, textField, type Field } from './bolt11-fixture.js';

/** The payee as libsecp256k1 (tiny-secp256k1) recovers it, decoding with @scure/base: a second implementation. */
function referencePayee(invoice: string): string {
  const { prefix, words } = bech32.decode(invoice.toLowerCase() as `${string}1${string}`, false);
  const bytes = (w: number[]) => {
    const out: number[] = [];
    let acc = 0;
    let bits = 0;
    for (const x of w) {
      acc = (acc << 5) | x;
      bits += 5;
      while (bits >= 8) out.push((acc >> (bits -= 8)) & 255);
      acc &= (1 << bits) - 1;
    }
    if (bits > 0) out.push((acc << (8 - bits)) & 255);
    return Uint8Array.from(out);
  };
  const signature = bytes(words.slice(-104)).subarray(0, 65);
  const digest = sha256(new Uint8Array([...new TextEncoder().encode(prefix), ...bytes(words.slice(0, -104))]));
  return toHex(recover(digest, signature.subarray(0, 64), signature[64] as 0 | 1 | 2 | 3, true)!);
}

function section(invoice: string, name: string): unknown {
  return (referenceDecode(invoice).sections as { name: string; value?: unknown }[]).find((s) => s.name === name)?.value;
}

describe('BOLT 11 examples (valid)', () => {
  vectors.valid.forEach(({ title, invoice, expected }, i) => {
    it(`BOLT 11 valid ${i + 1}: ${title}`, () => {
      const result = validateBolt11(invoice);
      expect(result.valid).toBe(true);
      expect(result.normalized).toBe(invoice.toLowerCase());
      const { fallbackAddress, routeHints, features, metadata, ...details } = expected as typeof expected & {
        fallbackAddress?: string;
        routeHints?: unknown;
        features?: number[];
        metadata?: string;
      };
      expect(result.details).toEqual(details);
      const decoded = decodeBolt11(invoice);
      if (!decoded.ok) throw new Error(decoded.issue.message);
      const d = decoded.value;
      if (fallbackAddress !== undefined) {
        const address = decodeAddress(fallbackAddress);
        if (!address.ok) throw new Error(address.issue.message);
        const version = address.value.witnessVersion ?? (address.value.scriptType === 'p2pkh' ? 17 : 18);
        expect(d.fallbacks).toEqual([{ version, program: toHex(address.value.program) }]);
      }
      if (routeHints !== undefined) expect(d.routeHints).toEqual(routeHints);
      if (features !== undefined) expect(d.features).toEqual(features);
      if (metadata !== undefined) expect(d.metadata).toBe(metadata);
      // Cross-check with light-bolt11-decoder (which neither verifies signatures nor knows every field).
      const lower = invoice.toLowerCase();
      expect(section(lower, 'payment_hash')).toBe(details.paymentHash);
      expect(section(lower, 'timestamp')).toBe(details.timestamp);
      if ('amountMsat' in details) expect(section(lower, 'amount')).toBe(details.amountMsat);
      if ('description' in details) expect(section(lower, 'description')).toBe(details.description);
      expect(section(lower, 'expiry') ?? 3600).toBe(details.expiry);
      expect(referencePayee(invoice)).toBe(details.payee);
    });
  });
});

describe('BOLT 11 examples superseded by the reader rules', () => {
  vectors.superseded.forEach(({ title, invoice, satchel }) => {
    it(`BOLT 11 superseded: ${title} → ${satchel.code} (lightning/bolts#1243)`, () => {
      expect(validateBolt11(invoice)).toMatchObject({ valid: false, errors: [{ code: satchel.code }] });
    });
  });
});

describe('BOLT 11 examples (invalid)', () => {
  vectors.invalid.forEach(({ title, invoice, satchel }, i) => {
    it(`BOLT 11 invalid ${i + 1}: ${title} → ${satchel.code}`, () => {
      const result = validateBolt11(invoice);
      expect(result).toMatchObject({ valid: false, errors: [{ code: satchel.code }] });
      expect(result.normalized).toBeUndefined();
    });
  });
});

describe('BOLT 11 written by the test encoder', () => {
  const ok = (options: Parameters<typeof encodeInvoice>[0]) => {
    const result = validateBolt11(encodeInvoice(options));
    if (!result.valid) throw new Error(JSON.stringify(result.errors));
    return result;
  };
  const fails = (options: Parameters<typeof encodeInvoice>[0], code: string) =>
    expect(validateBolt11(encodeInvoice(options))).toMatchObject({ valid: false, errors: [{ code }] });
  const withFields = (...extra: Field[]): Field[] => [...defaultFields(), ...extra];

  it('round-trips the defaults and recovers the spec payee', () => {
    expect(ok({}).details).toMatchObject({ network: 'mainnet', payee: SPEC_PAYEE, description: 'test', expiry: 3600, minFinalCltvExpiry: 18 });
  });
  it.each([
    ['lnbc', 'mainnet'],
    ['lntb', 'testnet'],
    ['lntbs', 'signet'],
    ['lnbcrt', 'regtest'],
    ['lntbs10u', 'signet'],
    ['lnbcrt1m', 'regtest'],
  ])('%s is %s, and wrong_network for another', (hrp, network) => {
    expect(ok({ hrp }).details?.network).toBe(network);
    expect(validateBolt11(encodeInvoice({ hrp }), { network: network as 'mainnet' })).toMatchObject({ valid: true });
    const other = network === 'mainnet' ? 'testnet' : 'mainnet';
    expect(validateBolt11(encodeInvoice({ hrp }), { network: other })).toMatchObject({ valid: false, errors: [{ code: 'wrong_network' }] });
  });
  it.each([
    ['lnbc21000000', '2100000000000000000'],
    ['lnbc1p0', undefined],
    ['lnbc10p', '1'],
    ['lnbc1n', '100'],
    ['lnbc1u', '100000'],
    ['lnbc1m', '100000000'],
    ['lnbc1', '100000000000'],
  ])('%s → amountMsat %s', (hrp, msat) => {
    if (msat === undefined) return fails({ hrp }, 'invalid_amount');
    expect(ok({ hrp }).details?.amountMsat).toBe(msat);
  });
  it.each([
    ['above 21 million BTC', 'lnbc21000001'],
    ['zero', 'lnbc0m'],
    ['sub-millisatoshi', 'lnbc1p'],
    ['unknown multiplier', 'lnbc1k'],
    ['an absurd number of digits', `lnbc${'9'.repeat(40)}`],
  ])('refuses an amount %s', (_name, hrp) => fails({ hrp }, 'invalid_amount'));
  it('refuses unknown currencies', () => {
    fails({ hrp: 'lnltc' }, 'invalid_prefix');
    fails({ hrp: 'lnbcx' }, 'invalid_prefix');
  });
  it('reads x, c, n, m and an h-only invoice', () => {
    const pubkey = SPEC_PAYEE;
    const result = ok({ fields: [...defaultFields(), [TAG.x, intWords(86400)], [TAG.c, intWords(144)], hexField(TAG.n, pubkey), hexField(TAG.m, '01fafaf0')] });
    expect(result.details).toMatchObject({ expiry: 86400, minFinalCltvExpiry: 144, payee: pubkey });
    const hashed = ok({ fields: [hexField(TAG.p, 'aa'.repeat(32)), hexField(TAG.s, 'bb'.repeat(32)), hexField(TAG.h, 'cc'.repeat(32))] });
    expect(hashed.details).toMatchObject({ paymentHash: 'aa'.repeat(32), descriptionHash: 'cc'.repeat(32) });
    expect(hashed.details).not.toHaveProperty('description');
  });
  it('ignores unknown odd features and unknown fields, refuses unknown even features', () => {
    ok({ fields: [...defaultFields().slice(0, 3), [TAG.features, featureWords([8, 14, 101])], [2, [0, 0, 0]]] });
    fails({ fields: [...defaultFields().slice(0, 3), [TAG.features, featureWords([8, 14, 100])]] }, 'unknown_required_feature');
  });
  it('refuses missing and conflicting required fields', () => {
    const [p, s, d] = defaultFields() as [Field, Field, Field];
    fails({ fields: [s, d] }, 'missing_field');
    fails({ fields: [p, d] }, 'missing_field');
    fails({ fields: [p, s] }, 'missing_field');
    fails({ fields: [p, s, d, hexField(TAG.h, 'cc'.repeat(32))] }, 'conflicting_fields');
  });
  it('refuses p, s, h and n fields of the wrong length (lightning/bolts#1243)', () => {
    fails({ fields: withFields([TAG.p, new Array(51).fill(0)]) }, 'invalid_field');
    fails({ fields: withFields([TAG.s, new Array(53).fill(0)]) }, 'invalid_field');
    fails({ fields: withFields([TAG.n, new Array(52).fill(0)]) }, 'invalid_field');
  });
  it('refuses non-minimal x, c and 9 fields', () => {
    fails({ fields: withFields([TAG.x, [0, ...intWords(60)]]) }, 'non_minimal_field');
    fails({ fields: withFields([TAG.c, [0, 1]]) }, 'non_minimal_field');
    fails({ fields: [...defaultFields().slice(0, 3), [TAG.features, [0, ...featureWords([8, 14])]]] }, 'non_minimal_field');
  });
  it('refuses a description that is not UTF-8', () => {
    const [p, s] = defaultFields() as [Field, Field];
    fails({ fields: [p, s, hexField(TAG.d, 'c328')] }, 'invalid_field');
  });
  it('verifies against n, and requires low-S there', () => {
    const otherKey = secp256k1.utils.randomSecretKey();
    fails({ fields: withFields(hexField(TAG.n, SPEC_PAYEE)), key: otherKey }, 'invalid_signature');
    const n = secp256k1.Point.CURVE().n;
    const highS = (sig: Uint8Array) => {
      const s = BigInt(`0x${toHex(sig.subarray(32, 64))}`);
      const flipped = (n - s).toString(16).padStart(64, '0');
      return new Uint8Array([...sig.subarray(0, 32), ...Uint8Array.from(flipped.match(/../g)!.map((b) => parseInt(b, 16))), sig[64]! ^ 1]);
    };
    // Without n a high-S signature still recovers the payee; with n it is refused.
    expect(ok({ tamper: highS }).details?.payee).toBe(SPEC_PAYEE);
    fails({ fields: withFields(hexField(TAG.n, SPEC_PAYEE)), tamper: highS }, 'invalid_signature');
  });
  it('refuses a bad recovery id and a bech32m checksum', () => {
    fails({ tamper: (sig) => new Uint8Array([...sig.subarray(0, 64), 7]) }, 'invalid_signature');
    fails({ encoding: 'bech32m' }, 'invalid_checksum');
  });
  it('reports a payee recovered from another key', () => {
    const key = secp256k1.utils.randomSecretKey();
    expect(ok({ key }).details?.payee).toBe(toHex(secp256k1.getPublicKey(key, true)));
  });
  it('decodes an invoice longer than 1,000 characters (long description)', () => {
    const [p, s] = defaultFields() as [Field, Field];
    const invoice = encodeInvoice({ fields: [p, s, textField(TAG.d, 'x'.repeat(600)), [TAG.f, [17, ...new Array(32).fill(1)]]] });
    expect(invoice.length).toBeGreaterThan(1000);
    expect(validateBolt11(invoice)).toMatchObject({ valid: true, details: { description: 'x'.repeat(600) } });
  });
});

describe('hostile bolt11 input', () => {
  const good = vectors.valid[1]!.invoice;
  it.each([
    ['empty', '', 'empty'],
    ['leading space', ` ${good}`, 'whitespace'],
    ['lightning: URI', `lightning:${good}`, 'invalid_prefix'],
    ['10 kB', `lnbc1${'q'.repeat(10_000)}`, 'too_long'],
    ['mixed case', `${good.slice(0, 10).toUpperCase()}${good.slice(10)}`, 'mixed_case'],
    ['Cyrillic с', good.replace('c', 'с'), 'invalid_characters'],
    ['truncated', good.slice(0, -1), 'invalid_checksum'],
  ])('%s → %s', (_name, value, code) => {
    expect(validateBolt11(value)).toMatchObject({ valid: false, errors: [{ code }] });
  });
  it.each([42, null, undefined, {}, [good], true])('%s → wrong_type', (value) => {
    expect(validateBolt11(value)).toMatchObject({ valid: false, errors: [{ code: 'wrong_type' }] });
  });
});
