/**
 * Form helpers that run the server's own validation library in the browser (SPEC Web UI: "forms validate
 * as the user types with the same validators as the server"). Pure functions, no DOM.
 */
import { validate } from '../../src/validation/index.js';
import type { ValidateOptions, ValidationIssue, ValidationResult, ValidationType } from '../../src/validation/types.js';

// Edges of pasted text often carry zero-width characters that String#trim keeps (U+200B–U+200D, U+2060).
const EDGE_SPACE = /^[\s\u200B-\u200D\u2060]+|[\s\u200B-\u200D\u2060]+$/g;

/** The UI trims before it validates; the library itself never trims (SPEC Validation). */
export function trimForValidation(value: string): string {
  return value.replace(EDGE_SPACE, '');
}

export interface NumberedLine {
  /** 1-based line number in the original text, so reports point at what the user pasted. */
  line: number;
  value: string;
}

/** One value per line: each line trimmed, empty lines dropped, original line numbers kept. */
export function splitLines(text: string): NumberedLine[] {
  const out: NumberedLine[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const value = trimForValidation(lines[i] ?? '');
    if (value !== '') out.push({ line: i + 1, value });
  }
  return out;
}

const NUMERIC_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Text typed for a `type` → the value the validator takes. Amounts are numbers in the API, so amount
 * text is parsed as one: a fraction stays a fraction and other text becomes NaN, for the validator to
 * reject with its own reason ("not an integer", "not a number").
 */
export function toValidationInput(type: ValidationType, text: string): unknown {
  const trimmed = trimForValidation(text);
  if (type === 'amount' && trimmed !== '') return NUMERIC_TEXT.test(trimmed) ? Number(trimmed) : Number.NaN;
  return trimmed;
}

/** What the UI needs to describe an issue: a validation issue or an item of a problem+json `errors`. */
export interface IssueLike {
  code: string;
  message?: string;
  field?: string;
  line?: number;
}

const CODE_TEXT: Record<string, string> = {
  required: 'This field is required',
  wrong_network: 'Valid, but for another network',
  private_key_rejected: 'This is a private key: Satchel only takes public keys',
};

/** Human text for an issue: its message, else a known phrase for its code, else the code made readable. */
export function describeIssue(issue: IssueLike): string {
  const text =
    issue.message?.trim() ||
    CODE_TEXT[issue.code] ||
    issue.code.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()) ||
    'Invalid value';
  return issue.line === undefined ? text : `Line ${issue.line}: ${text}`;
}

/** First message per field of a problem+json `errors` list; items without a field go to `other`. */
export function fieldErrorsFromProblem(items: readonly IssueLike[]): {
  fields: Record<string, string>;
  other: string[];
} {
  const fields: Record<string, string> = {};
  const other: string[] = [];
  for (const item of items) {
    if (item.field && fields[item.field] === undefined) fields[item.field] = describeIssue(item);
    else if (!item.field) other.push(describeIssue(item));
  }
  return { fields, other };
}

const DETAIL_ORDER = ['network', 'scriptType', 'witnessVersion', 'depth', 'fingerprint'];

export interface DetailEntry {
  key: string;
  label: string;
  value: string;
}

/** `details` of a result as label/value pairs, the facts users look for first. */
export function formatDetails(details: Record<string, unknown> | undefined): DetailEntry[] {
  if (!details) return [];
  const keys = Object.keys(details).sort((a, b) => {
    const ia = DETAIL_ORDER.indexOf(a);
    const ib = DETAIL_ORDER.indexOf(b);
    return (ia < 0 ? DETAIL_ORDER.length : ia) - (ib < 0 ? DETAIL_ORDER.length : ib);
  });
  const out: DetailEntry[] = [];
  for (const key of keys) {
    const raw = details[key];
    if (raw === undefined || raw === null) continue;
    const label = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().replace(/^./, (c) => c.toUpperCase());
    const value = typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
    out.push({ key, label, value });
  }
  return out;
}

/** A Map bounded to `max` entries that drops the least recently used one (a Map keeps insertion order). */
export class BoundedCache<K, V> {
  readonly #map = new Map<K, V>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`BoundedCache max must be a positive integer, got ${max}`);
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as K);
  }

  clear(): void {
    this.#map.clear();
  }
}

export const CLIENT_CACHE_SIZE = 500;
export const clientValidationCache = new BoundedCache<string, ValidationResult>(CLIENT_CACHE_SIZE);

/** Options as part of a key: every option that is set, in a fixed order. */
function optionsKey(options: ValidateOptions | undefined): string {
  if (!options) return '';
  return Object.keys(options)
    .sort()
    .map((k) => `${k}=${String(options[k as keyof ValidateOptions] ?? '')}`)
    .join('&');
}

function cacheKey(type: ValidationType, value: unknown, options?: ValidateOptions): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  // typeof is part of the key: the amount 100 and the text "100" are different inputs.
  return `${type}\u0000${optionsKey(options)}\u0000${typeof value}\u0000${value}`;
}

/**
 * validate() behind a small LRU, so re-typing a value is instant. Passwords are never cached: a secret
 * should not outlive the form it was typed into.
 */
export function cachedClientValidate(type: ValidationType, value: unknown, options?: ValidateOptions): ValidationResult {
  const key = type === 'password' ? undefined : cacheKey(type, value, options);
  if (key === undefined) return validate(type, value, options);
  const hit = clientValidationCache.get(key);
  if (hit) return hit;
  const result = Object.freeze(validate(type, value, options));
  clientValidationCache.set(key, result);
  return result;
}

export interface LineResult extends NumberedLine {
  result: ValidationResult;
}

export interface LinesReport {
  rows: LineResult[];
  valid: number;
  invalid: number;
  /** Pass back in on the next call: unchanged lines are not validated again (one keystroke edits one line). */
  memo: LinesMemo;
}

export interface LinesMemo {
  signature: string;
  results: Map<string, ValidationResult>;
}

/** Validates every non-empty line of `text`, reusing results of the previous call for the same type/options. */
export function validateLines(
  type: ValidationType,
  text: string,
  options?: ValidateOptions,
  previous?: LinesMemo,
): LinesReport {
  const signature = `${type}\u0000${optionsKey(options)}`;
  const reuse = previous?.signature === signature ? previous.results : undefined;
  const results = new Map<string, ValidationResult>();
  const rows: LineResult[] = [];
  let valid = 0;
  for (const entry of splitLines(text)) {
    let result = results.get(entry.value) ?? reuse?.get(entry.value);
    if (!result) result = cachedClientValidate(type, toValidationInput(type, entry.value), options);
    results.set(entry.value, result);
    rows.push({ ...entry, result });
    if (result.valid) valid++;
  }
  return { rows, valid, invalid: rows.length - valid, memo: { signature, results } };
}

export type { ValidationIssue };
