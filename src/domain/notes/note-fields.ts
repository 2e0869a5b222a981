/**
 * The checks a note's fields get before its ref is validated: type, label, origin, spendable.
 * Every import format and the single-note use case share them, so a row is judged the same whether
 * it came from CSV, BIP-329 JSONL, Electrum JSON or `PUT /api/notes/:type/:ref`.
 */
import { isNoteType, type NoteType } from './types.js';

/** SPEC: a longer label is an error (`label_too_long`), never truncated. Counted in code points. */
export const MAX_LABEL_LENGTH = 255;
/** BIP-329 origins are descriptor key-origin prefixes (`wpkh([d34db33f/84'/0'/0'])`): short ASCII. */
export const MAX_ORIGIN_LENGTH = 1_024;

export interface FieldProblem {
  field?: string;
  code: string;
  message: string;
}

/**
 * A row as a format reader hands it over: the ref not yet validated, the type not yet checked.
 * Undefined fields were absent from the record and keep the stored values.
 */
export interface RawNoteFields {
  type: string;
  ref: string;
  label?: string;
  origin?: string;
  spendable?: boolean;
}

export interface CheckedNoteFields {
  type: NoteType;
  ref: string;
  label?: string;
  origin?: string;
  spendable?: boolean;
}

function codePointLength(text: string): number {
  // Fast path: a string of ≤ 255 UTF-16 units has ≤ 255 code points.
  if (text.length <= MAX_LABEL_LENGTH) return text.length;
  let count = 0;
  for (const _ of text) count++;
  return count;
}

export function checkLabel(label: string): FieldProblem | undefined {
  const length = codePointLength(label);
  if (length > MAX_LABEL_LENGTH) {
    return {
      field: 'label',
      code: 'label_too_long',
      message: `label is ${length} characters long; at most ${MAX_LABEL_LENGTH} are allowed`,
    };
  }
  // PostgreSQL text cannot hold U+0000; refuse it on both engines so they agree.
  if (label.includes('\u0000')) {
    return { field: 'label', code: 'invalid_characters', message: 'label contains a NUL character' };
  }
  return undefined;
}

export function checkOrigin(origin: string): FieldProblem | undefined {
  if (origin.length === 0) return { field: 'origin', code: 'empty', message: 'origin is empty' };
  if (origin.length > MAX_ORIGIN_LENGTH) {
    return { field: 'origin', code: 'too_long', message: `origin is longer than ${MAX_ORIGIN_LENGTH} characters` };
  }
  if (!/^[\x21-\x7e]+$/.test(origin)) {
    return {
      field: 'origin',
      code: 'invalid_characters',
      message: 'origin must be printable ASCII without spaces, like wpkh([d34db33f/84h/0h/0h])',
    };
  }
  return undefined;
}

/** Type, label, origin and spendable of one row; the ref is checked later, in batches. */
export function checkNoteFields(raw: RawNoteFields): { fields?: CheckedNoteFields; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const typeOk = isNoteType(raw.type);
  if (!typeOk) {
    problems.push({
      field: 'type',
      code: 'unknown_type',
      message: `type ${JSON.stringify(raw.type.slice(0, 40))} is not one of tx, addr, pubkey, input, output, xpub (BIP-329)`,
    });
  }
  if (raw.ref.length === 0) problems.push({ field: 'ref', code: 'empty', message: 'ref is empty' });
  if (raw.label !== undefined) {
    const labelProblem = checkLabel(raw.label);
    if (labelProblem) problems.push(labelProblem);
  }
  if (raw.origin !== undefined) {
    const originProblem = checkOrigin(raw.origin);
    if (originProblem) problems.push(originProblem);
  }
  if (raw.spendable !== undefined && typeOk && raw.type !== 'output') {
    problems.push({
      field: 'spendable',
      code: 'spendable_not_allowed',
      message: `spendable applies to output records only, not ${raw.type} (BIP-329)`,
    });
  }
  if (problems.length > 0) return { problems };
  const fields: CheckedNoteFields = { type: raw.type as NoteType, ref: raw.ref };
  if (raw.label !== undefined) fields.label = raw.label;
  if (raw.origin !== undefined) fields.origin = raw.origin;
  if (raw.spendable !== undefined) fields.spendable = raw.spendable;
  return { fields, problems };
}
