/** Small builders shared by the validators: results, issues and the cheap checks every string type runs first. */
import type { ValidationCode } from './codes.js';
import type { ValidationIssue, ValidationResult, Validator } from './types.js';

/** What a parser returns instead of throwing. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; issue: ValidationIssue };

export function issue(code: ValidationCode, component: string, problem: string): ValidationIssue {
  return { code, message: `${component}: ${problem}` };
}

export function failed<T>(code: ValidationCode, component: string, problem: string): Parsed<T> {
  return { ok: false, issue: issue(code, component, problem) };
}

export function invalid(errorOrCode: ValidationIssue | ValidationCode, component?: string, problem?: string): ValidationResult {
  const error = typeof errorOrCode === 'string' ? issue(errorOrCode, component ?? '', problem ?? '') : errorOrCode;
  return { valid: false, errors: [error] };
}

export function valid(normalized?: string, details?: Record<string, unknown>): ValidationResult {
  const result: ValidationResult = { valid: true };
  if (normalized !== undefined) result.normalized = normalized;
  if (details !== undefined) result.details = details;
  return result;
}

const WHITESPACE = /\s/;

/**
 * The checks every string type runs before any decoding, cheapest first: the JSON type, emptiness, the
 * length cap (so 10 kB of hostile input costs one comparison) and whitespace (values are never trimmed).
 * Returns the string, or the issue to report.
 */
export function checkString(value: unknown, component: string, maxLength: number): string | ValidationIssue {
  if (typeof value !== 'string') return issue('wrong_type', component, `expected a string, got ${describeType(value)}`);
  if (value.length === 0) return issue('empty', component, 'is empty');
  if (value.length > maxLength) return issue('too_long', component, `is longer than ${maxLength} characters`);
  if (WHITESPACE.test(value)) return issue('whitespace', component, 'contains whitespace (values are not trimmed)');
  return value;
}

/** A short quote of user input for a message: at most 16 characters, never a whole secret-sized run. */
export function quote(text: string): string {
  return text.length <= 16 ? `"${text}"` : `"${text.slice(0, 15)}…"`;
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

/** Wraps a validator so that nothing it meets can make it throw. The message never includes the value. */
export function neverThrows(component: string, validator: Validator): Validator {
  return (value, options) => {
    try {
      return validator(value, options);
    } catch {
      return invalid('internal_error', component, 'could not be checked');
    }
  };
}
