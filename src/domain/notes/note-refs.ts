/**
 * Ref validation per BIP-329 type, in batches through the validation port (the cached validator):
 *   tx → txid (lower-cased), addr → address, xpub → xpub, input/output → txid ':' vout,
 *   pubkey → 33-byte compressed secp256k1 point in hex (checked here: the validators have no such type).
 * Every ref comes back normalized, so `ABC…:01` and `abc…:1` are the same note.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { FieldProblem } from './note-fields.js';
import type { NoteType, RefCheckResult, RefCheckType, ValidateRefs } from './types.js';

export interface RefToCheck {
  type: NoteType;
  ref: string;
}

export type RefCheck = { ref: string; problems?: undefined } | { ref?: undefined; problems: FieldProblem[] };

const MAX_VOUT = 0xffff_ffff; // vout is a uint32 in the transaction format

/**
 * A well-formed txid (64 hex characters, either case) is valid, and its lower case is its normalized
 * form — exactly the txid validator's verdict (src/validation/txid.ts). The test costs less than a
 * cache lookup (measured: the cached validator's key, LRU and frozen entry were ~15% of an import's
 * CPU), so only the others go to the validator, which words their problems.
 */
const WELL_FORMED_TXID = /^[0-9a-fA-F]{64}$/;

function refProblem(code: string, message: string): RefCheck {
  return { problems: [{ field: 'ref', code, message }] };
}

function checkPubkey(ref: string): RefCheck {
  if (!/^0[23][0-9a-fA-F]{64}$/.test(ref)) {
    return refProblem('invalid_public_key', 'pubkey ref must be a 33-byte compressed public key in hex (02… or 03…, 66 characters)');
  }
  const normalized = ref.toLowerCase();
  if (!secp256k1.utils.isValidPublicKey(Buffer.from(normalized, 'hex'), true)) {
    return refProblem('invalid_public_key', 'pubkey ref is not a point on secp256k1');
  }
  return { ref: normalized };
}

/** Splits `txid:vout`; the vout is made canonical (no leading zeros) here, the txid is checked in batch. */
function splitOutpoint(ref: string): { txid: string; vout: number } | RefCheck {
  const colon = ref.lastIndexOf(':');
  if (colon < 0) return refProblem('invalid_outpoint', 'input/output ref must be txid:vout (BIP-329)');
  const voutText = ref.slice(colon + 1);
  const vout = /^\d{1,10}$/.test(voutText) ? Number(voutText) : NaN;
  if (!(vout <= MAX_VOUT)) {
    return refProblem('invalid_vout', `vout ${JSON.stringify(voutText.slice(0, 20))} is not an integer from 0 to ${MAX_VOUT}`);
  }
  return { txid: ref.slice(0, colon), vout };
}

function failed(result: RefCheckResult): RefCheck {
  const errors = result.errors?.length ? result.errors : [{ code: 'invalid', message: 'ref is not valid' }];
  return { problems: errors.map((e) => ({ field: 'ref', code: e.code, message: e.message })) };
}

/** Checks many refs with at most one validator call per validator type; one answer per input, in order. */
export async function checkRefs(validate: ValidateRefs, items: readonly RefToCheck[]): Promise<RefCheck[]> {
  const answers: RefCheck[] = new Array<RefCheck>(items.length);
  const pending: Record<RefCheckType, { values: string[]; at: number[]; vout: Array<number | undefined> }> = {
    txid: { values: [], at: [], vout: [] },
    address: { values: [], at: [], vout: [] },
    xpub: { values: [], at: [], vout: [] },
  };
  const queue = (type: RefCheckType, value: string, at: number, vout?: number): void => {
    const list = pending[type];
    list.values.push(value);
    list.at.push(at);
    list.vout.push(vout);
  };

  items.forEach(({ type, ref }, i) => {
    switch (type) {
      case 'tx':
        // Upper-case hex is common in exports; txids are canonically lower-case.
        if (WELL_FORMED_TXID.test(ref)) answers[i] = { ref: ref.toLowerCase() };
        else queue('txid', ref.toLowerCase(), i);
        break;
      case 'input':
      case 'output': {
        const parts = splitOutpoint(ref);
        if (!('txid' in parts)) answers[i] = parts;
        else if (WELL_FORMED_TXID.test(parts.txid)) answers[i] = { ref: `${parts.txid.toLowerCase()}:${parts.vout}` };
        else queue('txid', parts.txid.toLowerCase(), i, parts.vout);
        break;
      }
      case 'addr':
        queue('address', ref, i);
        break;
      case 'xpub':
        queue('xpub', ref, i);
        break;
      case 'pubkey':
        answers[i] = checkPubkey(ref);
        break;
    }
  });

  for (const type of ['txid', 'address', 'xpub'] as const) {
    const { values, at, vout } = pending[type];
    if (values.length === 0) continue;
    const results = await validate(type, values);
    if (results.length !== values.length) {
      throw new Error(`validator answered ${results.length} results for ${values.length} ${type} values`);
    }
    for (let k = 0; k < values.length; k++) {
      const result = results[k]!;
      const index = at[k]!;
      if (!result.valid) {
        answers[index] = failed(result);
        continue;
      }
      let normalized = result.normalized ?? values[k]!;
      if (type === 'txid') normalized = normalized.toLowerCase();
      const v = vout[k];
      answers[index] = { ref: v === undefined ? normalized : `${normalized}:${v}` };
    }
  }
  return answers;
}

/** What the cached validator offers (src/domain/validation/cached-validator.ts), as far as notes need it. */
export interface BatchValidator {
  validateBatch(type: RefCheckType, values: unknown[]): Promise<{ results: RefCheckResult[] }>;
}

/** The ValidateRefs port on the cached validator's batch API (main.ts wires it). */
export function validateRefsWith(validator: BatchValidator): ValidateRefs {
  return async (type, values) => (await validator.validateBatch(type, values as string[])).results;
}
