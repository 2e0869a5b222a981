/** The BIP-380 descriptor checksum and character set. */

const INPUT_CHARSET = '0123456789()[],\'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#"\\ ';
const CHECKSUM_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const INPUT_REV = new Int8Array(128).fill(-1);
for (let i = 0; i < INPUT_CHARSET.length; i++) INPUT_REV[INPUT_CHARSET.charCodeAt(i)] = i;

/** Is this char code in the descriptor character set (BIP-380)? */
export function isDescriptorChar(code: number): boolean {
  return code < 128 && INPUT_REV[code] !== -1;
}

/** BIP-380 generator, each 40-bit constant split into its top 8 and low 32 bits. */
const GEN_HI = [0xf5, 0xa9, 0x1b, 0x37, 0x64];
const GEN_LO = [0xdee51989, 0xfdca3312, 0xab10e32d, 0x06b1677a, 0x4d626ffd];

/**
 * The BIP-380 descriptor checksum of `body` (the descriptor without `#…`), or null when `body` has a
 * character outside the descriptor character set. The 40-bit state is kept as two numbers.
 */
export function descriptorChecksum(body: string): string | null {
  let hi = 0;
  let lo = 1;
  const step = (value: number) => {
    const top = hi >>> 3;
    hi = ((hi & 7) << 5) | (lo >>> 27);
    lo = ((lo << 5) ^ value) >>> 0;
    for (let i = 0; i < 5; i++) {
      if ((top >> i) & 1) {
        hi ^= GEN_HI[i]!;
        lo = (lo ^ GEN_LO[i]!) >>> 0;
      }
    }
  };
  let cls = 0;
  let clsCount = 0;
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    const pos = code < 128 ? INPUT_REV[code]! : -1;
    if (pos === -1) return null;
    step(pos & 31);
    cls = cls * 3 + (pos >> 5);
    if (++clsCount === 3) {
      step(cls);
      cls = 0;
      clsCount = 0;
    }
  }
  if (clsCount > 0) step(cls);
  for (let i = 0; i < 8; i++) step(0);
  lo = (lo ^ 1) >>> 0;
  const c = hi * 2 ** 32 + lo;
  let out = '';
  for (let j = 0; j < 8; j++) out += CHECKSUM_CHARSET[Math.floor(c / 2 ** (5 * (7 - j))) % 32];
  return out;
}
