/**
 * Item codes of note imports and note requests (`errors[].code`), beside the validators' own codes
 * (src/validation/codes.ts), which a bad ref reports as they are. The UI keys on these.
 */
export const NOTE_ISSUE_CODES = {
  // the file as a whole
  csv_header: 'The CSV header names no ref column (txid, transaction_hash, tx_hash, transaction id, or ref [+ type]) or no note column (note, label, memo).',
  csv_malformed: 'The CSV cannot be read from this line on (an unclosed quote, a record over 1,000,000 characters); rows before it were read.',
  invalid_json: 'A BIP-329 line, or an Electrum label file, is not valid JSON.',
  invalid_record: 'A BIP-329 line is not a JSON object, or an Electrum label file is not one object.',
  unknown_column: 'A CSV column chosen for the import (refColumn, noteColumn, typeColumn) is neither a header cell nor a column index.',
  same_column: 'Two roles (ref, note, type) were given the same CSV column.',
  line_too_long: 'A BIP-329 line is longer than 64 KB; it was skipped unread.',
  // one record's fields
  required: 'A required field (type, ref) is missing.',
  wrong_type: 'A field has the wrong JSON type (e.g. a label that is not a string, spendable that is not true/false).',
  empty: 'The ref (or origin) is empty.',
  unknown_type: 'The type is not a BIP-329 type: tx, addr, pubkey, input, output, xpub.',
  label_too_long: 'The label is longer than 255 characters; it is refused, never truncated.',
  invalid_characters: 'The label contains a NUL character, or the origin is not printable ASCII.',
  too_long: 'The origin is longer than 1,024 characters.',
  spendable_not_allowed: 'spendable was given on a record that is not an output (BIP-329).',
  // refs (besides the txid/address/xpub validators' codes)
  invalid_outpoint: 'An input/output ref is not `txid:vout`.',
  invalid_vout: 'The vout of an input/output ref is not an integer from 0 to 4294967295.',
  invalid_public_key: 'A pubkey ref is not a 33-byte compressed secp256k1 point in hex.',
  invalid: 'The validator refused the ref without naming a reason.',
  // note history
  nothing_to_restore: 'The history entry restored has no text (it deleted the note).',
} as const;

export type NoteIssueCode = keyof typeof NOTE_ISSUE_CODES;
