/** Distinct valid addresses of every mainnet form, made from counters (no randomness: runs compare). */
import { bech32, bech32m, createBase58check } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';

const base58check = createBase58check(sha256);

export function addressCorpus(n: number): string[] {
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const program = new Uint8Array(i % 4 === 3 ? 32 : 20);
    new DataView(program.buffer).setUint32(0, i);
    switch (i % 4) {
      case 0:
        out[i] = bech32.encode('bc', [0, ...bech32.toWords(program)]);
        break;
      case 1:
        out[i] = base58check.encode(Uint8Array.of(0x00, ...program));
        break;
      case 2:
        out[i] = base58check.encode(Uint8Array.of(0x05, ...program));
        break;
      default:
        out[i] = bech32m.encode('bc', [1, ...bech32m.toWords(program)]);
    }
  }
  return out;
}
