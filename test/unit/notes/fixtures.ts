/** Shared fixtures of the notes unit tests: valid refs, the pure validators as the ValidateRefs port. */
import { Readable } from 'node:stream';
import type { ValidateRefs } from '../../../src/domain/notes/types.js';
import { batchValidate } from '../../../src/validation/batch.js';
import { MemoryNoteStore } from './memory-note-store.js';

export const TXID_A = 'f91d0a8a78462bc59398f2c5d7a84fcff491c26ba54c4833478b202796c8aafd';
export const TXID_B = 'f546156d9044844e02b181026a1a407abfca62e7ea1159f87bbeaa77b4286c74';
export const TXID_C = 'c'.repeat(64);
export const ADDRESS = 'bc1q34aq5drpuwy3wgl9lhup9892qp6svr8ldzyy7c';
export const XPUB = 'xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8';
export const PUBKEY = '0283409659355b6d1cc3c32decd5d561abaac86c37a353b52895a5e6c196d6f448';
export const USER = 'user-a';

/** The pure validators behind the port (the cached validator answers the same). */
export const validateRefs: ValidateRefs = (type, values) => batchValidate(type, values);

export function fixture(): { store: MemoryNoteStore; deps: { store: MemoryNoteStore; validateRefs: ValidateRefs } } {
  const store = new MemoryNoteStore();
  return { store, deps: { store, validateRefs } };
}

/** A stream of the text, cut into chunks of `chunkSize` bytes (to cross chunk boundaries anywhere). */
export function streamOf(text: string | Buffer, chunkSize = 7): Readable {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  return Readable.from(chunks);
}
