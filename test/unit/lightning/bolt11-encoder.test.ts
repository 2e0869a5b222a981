import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bech32 } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  Bolt11EncodeError,
  MAX_DESCRIPTION_BYTES,
  dataWords,
  bolt11HumanReadablePart,
  encodeAmount,
  encodeBolt11,
  featureWords,
  signingDigest,
  type Bolt11Field,
} from '../../../src/adapters/lightning/bolt11-encoder.js';
import { nativeSigner, nobleSigner } from '../../../src/adapters/lightning/bolt11-signers.js';
import { decode as lightDecode } from 'light-bolt11-decoder';
import { recoverPayeeIndependently } from '../../helpers/bolt11-independent.js';

interface VectorField {
  tag: string;
  hex?: string;
  text?: string;
  value?: number;
  bits?: number[];
  version?: number;
  words?: string;
  type?: number;
  hops?: Array<{ pubkey: string; shortChannelId: string; feeBaseMsat: number; feeProportionalMillionths: number; cltvExpiryDelta: number }>;
}
interface ValidVector {
  name: string;
  invoice: string;
  network: 'mainnet' | 'testnet' | 'signet' | 'regtest';
  amountMsat: string | null;
  timestamp: number;
  fields: VectorField[];
  signature?: string;
  recoveryId?: number;
  signingData?: string;
  signingDigest?: string;
}
const vectors = JSON.parse(readFileSync(new URL('../../vectors/bolt11-spec.json', import.meta.url), 'utf8')) as {
  privateKey: string;
  payeePubkey: string;
  valid: ValidVector[];
  invalid: Array<{ name: string; reason: string; invoice: string }>;
};

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const letters = (s: string) => [...s].map((c) => CHARSET.indexOf(c));
const hexBytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

function toField(f: VectorField): Bolt11Field {
  switch (f.tag) {
    case 'p':
      return { tag: 'p', paymentHash: hexBytes(f.hex!) };
    case 's':
      return { tag: 's', paymentSecret: hexBytes(f.hex!) };
    case 'd':
      return { tag: 'd', description: f.text! };
    case 'h':
      return { tag: 'h', descriptionHash: sha256(new TextEncoder().encode(f.text!)) };
    case 'x':
      return { tag: 'x', expirySeconds: f.value! };
    case 'c':
      return { tag: 'c', minFinalCltvExpiry: f.value! };
    case '9':
      return { tag: '9', featureBits: f.bits! };
    case 'f':
      return { tag: 'f', version: f.version!, program: bech32.fromWords(letters(f.words!)) };
    case 'r':
      return { tag: 'r', hops: f.hops!.map((h) => ({ ...h, pubkey: hexBytes(h.pubkey), shortChannelId: hexBytes(h.shortChannelId) })) };
    case 'raw':
      return { tag: 'raw', type: f.type!, words: letters(f.words!) };
    default:
      throw new Error(`vector field ${f.tag}`);
  }
}

const unsigned = (v: ValidVector) => ({
  network: v.network,
  amountMsat: v.amountMsat === null ? null : BigInt(v.amountMsat),
  timestamp: v.timestamp,
  fields: v.fields.map(toField),
});

const privateKey = hexBytes(vectors.privateKey);

describe('BOLT 11 spec examples re-encode byte for byte', () => {
  for (const signer of [nobleSigner(privateKey), nativeSigner(privateKey)]) {
    for (const vector of vectors.valid) {
      it(`${vector.name} (${signer.name})`, () => {
        expect(encodeBolt11(unsigned(vector), signer)).toBe(vector.invoice.toLowerCase());
      });
    }
  }

  for (const vector of vectors.valid.filter((v) => v.signingData)) {
    it(`${vector.name}: signed bytes and digest match the breakdown`, () => {
      const hrp = bolt11HumanReadablePart(vector.network, unsigned(vector).amountMsat);
      const digest = signingDigest(hrp, dataWords(unsigned(vector)));
      expect(Buffer.from(digest).toString('hex')).toBe(vector.signingDigest);
      // The breakdown prints the packed data as hex, odd-length when the last nibble is padding.
      const packed = Buffer.concat([Buffer.from(hrp), Buffer.from(bech32.fromWords(pad(dataWords(unsigned(vector)))))]).toString('hex');
      expect(packed.startsWith(vector.signingData!)).toBe(true);
      const signed = nobleSigner(privateKey).sign(digest);
      expect(Buffer.from(signed.signature).toString('hex')).toBe(vector.signature);
      expect(signed.recoveryId).toBe(vector.recoveryId);
    });
  }

  it('every example recovers the spec payee independently', () => {
    for (const vector of vectors.valid) {
      expect(recoverPayeeIndependently(vector.invoice), vector.name).toBe(vectors.payeePubkey);
    }
  });
});

// The validation library's vectors: the same section of the spec at a later commit (modern invoices
// with s and 9). The field order and values come from light-bolt11-decoder (independent); typed fields
// are re-encoded by our encoder, the others (9, f, r, metadata) are copied as raw words.
const current = JSON.parse(readFileSync(new URL('../../vectors/bolt11.json', import.meta.url), 'utf8')) as {
  valid: Array<{ title: string; invoice: string; expected: { network: ValidVector['network']; timestamp: number; amountMsat?: string } }>;
};

function fieldsFromSections(invoice: string): Bolt11Field[] {
  const sections = lightDecode(invoice).sections as Array<{ name: string; letters?: string; value?: unknown }>;
  const start = sections.findIndex((s) => s.name === 'timestamp') + 1;
  const end = sections.findIndex((s) => s.name === 'signature');
  return sections.slice(start, end).map((section): Bolt11Field => {
    const value = section.value;
    switch (section.name) {
      case 'payment_hash':
        return { tag: 'p', paymentHash: hexBytes(value as string) };
      case 'payment_secret':
        return { tag: 's', paymentSecret: hexBytes(value as string) };
      case 'description_hash':
        return { tag: 'h', descriptionHash: hexBytes(value as string) };
      case 'description':
        return { tag: 'd', description: value as string };
      case 'expiry':
        return { tag: 'x', expirySeconds: value as number };
      case 'min_final_cltv_expiry':
        return { tag: 'c', minFinalCltvExpiry: value as number };
      default: {
        const text = section.letters ?? '';
        return { tag: 'raw', type: CHARSET.indexOf(text[0] ?? ''), words: letters(text.slice(3)) };
      }
    }
  });
}

describe('the validation library\'s BOLT 11 vectors (later spec commit) re-encode byte for byte', () => {
  for (const vector of current.valid) {
    const highS = /high-S/i.test(vector.title);
    it(`${vector.title}${highS ? ' (data part only: our signatures are low-S)' : ''}`, () => {
      const { network, timestamp, amountMsat } = vector.expected;
      const out = encodeBolt11(
        { network, timestamp, amountMsat: amountMsat === undefined ? null : BigInt(amountMsat), fields: fieldsFromSections(vector.invoice) },
        nobleSigner(privateKey),
      );
      if (!highS) return expect(out).toBe(vector.invoice.toLowerCase());
      const dataEnd = (s: string) => s.length - 6 - 104;
      expect(out.slice(0, dataEnd(out))).toBe(vector.invoice.toLowerCase().slice(0, dataEnd(vector.invoice)));
      expect(out).not.toBe(vector.invoice.toLowerCase());
      expect(recoverPayeeIndependently(out)).toBe(vectors.payeePubkey);
    });
  }
});

/** Zero words so the bit length is a whole number of bytes (test-side packing of the breakdown's hex). */
function pad(words: number[]): number[] {
  const out = [...words];
  while ((out.length * 5) % 8 !== 0) out.push(0);
  return out;
}

describe('encodeAmount: shortest exact form', () => {
  it.each([
    [100_000_000_000n, '1'],
    [2_100_000_000_000_000_000n, '21000000'],
    [2_500_000_000n, '25m'],
    [250_000_000n, '2500u'],
    [100_000n, '1u'],
    [1_000n, '10n'],
    [1_500n, '15n'],
    [100n, '1n'],
    [1n, '10p'],
    [967_878_534n, '9678785340p'],
  ])('%s msat → %s', (msat, text) => {
    expect(encodeAmount(msat)).toBe(text);
  });

  it('refuses zero and negative amounts', () => {
    expect(() => encodeAmount(0n)).toThrow(Bolt11EncodeError);
    expect(() => encodeAmount(-1n)).toThrow(/positive/);
  });
});

describe('fields', () => {
  it('writes feature bits big-endian in the fewest words', () => {
    // bit 14 → word 0 (from the left), value 1<<4; bit 8 → word 1, value 1<<3.
    expect(featureWords([8, 14])).toEqual([0b10000, 0b01000, 0b00000]);
    expect(featureWords([])).toEqual([]);
  });

  it('refuses a d field longer than 639 bytes and accepts exactly 639', () => {
    const sign = nobleSigner(privateKey);
    const base = { network: 'mainnet' as const, timestamp: 1, amountMsat: null };
    const p: Bolt11Field = { tag: 'p', paymentHash: new Uint8Array(32) };
    expect(MAX_DESCRIPTION_BYTES).toBe(639);
    expect(() => encodeBolt11({ ...base, fields: [p, { tag: 'd', description: 'a'.repeat(639) }] }, sign)).not.toThrow();
    expect(() => encodeBolt11({ ...base, fields: [p, { tag: 'd', description: 'a'.repeat(640) }] }, sign)).toThrow(/use h/);
  });

  it('refuses wrong-length hashes, lone surrogates and out-of-range timestamps', () => {
    const sign = nobleSigner(privateKey);
    const base = { network: 'mainnet' as const, amountMsat: null };
    expect(() => encodeBolt11({ ...base, timestamp: 1, fields: [{ tag: 'p', paymentHash: new Uint8Array(31) }] }, sign)).toThrow(/32 bytes/);
    expect(() => encodeBolt11({ ...base, timestamp: 1, fields: [{ tag: 'd', description: '\uD800' }] }, sign)).toThrow(/UTF-8/);
    expect(() => encodeBolt11({ ...base, timestamp: 2 ** 35, fields: [] }, sign)).toThrow(/timestamp/);
  });
});
