/** Validation results and item problems in the shape of the error catalogue (SPEC: `errors[]` naming fields). */
import { AppError, type ProblemItem } from '../../errors.js';
import type { ValidationResult } from '../../validation/types.js';

export function issues(field: string | undefined, result: ValidationResult | undefined): ProblemItem[] {
  if (!result || result.valid) return [];
  const errors = result.errors?.length ? result.errors : [{ code: 'invalid', message: `${field ?? 'value'} is not valid` }];
  return errors.map((error) => (field ? { field, code: error.code, message: error.message } : { code: error.code, message: error.message }));
}

export function invalid(errors: ProblemItem[]): AppError {
  return new AppError('invalid_input', errors[0]?.message ?? 'The input is not valid', { errors });
}
