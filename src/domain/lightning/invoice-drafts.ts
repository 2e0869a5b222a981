/**
 * Judges invoice requests as sent (`{amountSat? | amountMsat?, memo?, expirySeconds?}`), each item on
 * its own (SPEC: bulk requests). Types are never coerced: "100", 1.5, -1, null are refused with the
 * field named. Every amountSat of a request goes through the shared `amount` validator in ONE batch;
 * amountMsat has its own check with the same rules (the shared validator counts sats).
 */
import type { ProblemItem } from '../../errors.js';
import type { ValidationResult } from '../../validation/types.js';
import { LightningInvalidRequestError } from './errors.js';
import { MAX_INVOICE_MSAT, normalizeInvoiceRequest } from './invoice-request.js';

export interface InvoiceDraft {
  amountMsat: bigint | null;
  memo: string;
  expirySeconds: number;
}

export type DraftVerdict = { ok: true; draft: InvoiceDraft } | { ok: false; errors: ProblemItem[] };

/** The shared cached validator, as far as invoices need it (CachedValidator satisfies it). */
export interface AmountBatchValidator {
  validateBatch(type: 'amount', values: unknown[]): Promise<{ results: ValidationResult[] }>;
}

const ITEM_KEYS = new Set(['amountSat', 'amountMsat', 'memo', 'expirySeconds']);
const MAX_MSAT_NUMBER = Number(MAX_INVOICE_MSAT);

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? 'a string' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * amountMsat: a JSON number, whole, 1 … 2.1e18. Above 2^53 − 1 a JSON number no longer says which integer
 * was meant (JSON.parse rounds), so such amounts are refused: they can be given exactly as amountSat.
 */
export function checkAmountMsat(value: unknown): ProblemItem[] {
  const field = 'amountMsat';
  const fail = (code: string, message: string): ProblemItem[] => [{ field, code, message: `amountMsat ${message}` }];
  if (typeof value !== 'number') return fail('wrong_type', `must be a number of millisatoshis, got ${typeName(value)}`);
  if (Number.isNaN(value)) return fail('not_integer', 'is not a number (NaN)');
  if (Number.isFinite(value) && !Number.isInteger(value)) return fail('not_integer', 'must be a whole number of millisatoshis');
  if (!(value >= 1 && value <= MAX_MSAT_NUMBER)) return fail('out_of_range', `must be between 1 and ${MAX_INVOICE_MSAT} msat`);
  if (!Number.isSafeInteger(value)) {
    return fail('unsafe_integer', `above ${Number.MAX_SAFE_INTEGER} cannot be sent exactly as a JSON number; give amountSat instead`);
  }
  return [];
}

function shapeErrors(item: unknown): ProblemItem[] {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return [{ code: 'wrong_type', message: `Each invoice must be an object {amountSat? | amountMsat?, memo?, expirySeconds?}, got ${typeName(item)}` }];
  }
  const record = item as Record<string, unknown>;
  const errors: ProblemItem[] = [];
  for (const key of Object.keys(record)) {
    const name = key.slice(0, 64);
    if (!ITEM_KEYS.has(key)) errors.push({ field: name, code: 'unknown_property', message: `${name} is not a known property` });
  }
  if (record.amountSat !== undefined && record.amountMsat !== undefined) {
    errors.push({ field: 'amountMsat', code: 'exclusive_fields', message: 'Give amountSat or amountMsat, not both' });
  }
  if (record.memo !== undefined && typeof record.memo !== 'string') {
    errors.push({ field: 'memo', code: 'wrong_type', message: `memo must be a string, got ${typeName(record.memo)}` });
  }
  const expiry = record.expirySeconds;
  if (expiry !== undefined && typeof expiry !== 'number') {
    errors.push({ field: 'expirySeconds', code: 'wrong_type', message: `expirySeconds must be a number, got ${typeName(expiry)}` });
  }
  return errors;
}

function issuesOf(field: string, result: ValidationResult | undefined): ProblemItem[] {
  if (!result || result.valid) return [];
  const errors = result.errors?.length ? result.errors : [{ code: 'invalid', message: `${field} is not valid` }];
  return errors.map((e) => ({ field, code: e.code, message: `${field}: ${e.message}` }));
}

/** Judges every item; one validateBatch call covers all amountSat values of the request. */
export async function judgeInvoiceItems(items: readonly unknown[], validator: AmountBatchValidator): Promise<DraftVerdict[]> {
  const errors = items.map(shapeErrors);
  const record = (i: number) => items[i] as Record<string, unknown>;
  const isObject = (i: number) => typeof items[i] === 'object' && items[i] !== null && !Array.isArray(items[i]);

  const withSat = items.flatMap((_, i) => (isObject(i) && record(i).amountSat !== undefined ? [i] : []));
  const { results } = withSat.length
    ? await validator.validateBatch('amount', withSat.map((i) => record(i).amountSat))
    : { results: [] as ValidationResult[] };
  withSat.forEach((i, k) => errors[i]!.push(...issuesOf('amountSat', results[k])));

  return items.map((_, i): DraftVerdict => {
    if (!isObject(i)) return { ok: false, errors: errors[i]! };
    const item = record(i);
    if (item.amountMsat !== undefined) errors[i]!.push(...checkAmountMsat(item.amountMsat));
    if (errors[i]!.length) return { ok: false, errors: errors[i]! };
    const amountMsat =
      item.amountSat !== undefined ? BigInt(item.amountSat as number) * 1000n : item.amountMsat !== undefined ? BigInt(item.amountMsat as number) : null;
    try {
      // The port's own rules (memo bytes and UTF-8, expiry range), so these match what the backends refuse.
      const normalized = normalizeInvoiceRequest({
        amountMsat,
        ...(item.memo !== undefined ? { memo: item.memo as string } : {}),
        ...(item.expirySeconds !== undefined ? { expirySeconds: item.expirySeconds as number } : {}),
      });
      return { ok: true, draft: { amountMsat: normalized.amountMsat, memo: normalized.memo, expirySeconds: normalized.expirySeconds } };
    } catch (error) {
      if (error instanceof LightningInvalidRequestError) return { ok: false, errors: error.extra.errors ?? [{ code: 'invalid', message: error.message }] };
      throw error;
    }
  });
}
