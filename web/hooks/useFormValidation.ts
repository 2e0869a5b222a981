/**
 * Live form validation with the server's own validators (SPEC Web UI). Validation runs synchronously on
 * every change: it is local and cached (formUtils.cachedClientValidate), so no debounce is needed.
 * Errors show once a field was left (blur) or a submit was tried, then follow the typing.
 */
import { useCallback, useId, useMemo, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import type { ValidateOptions, ValidationIssue, ValidationResult, ValidationType } from '../../src/validation/types.js';
import { cachedClientValidate, describeIssue, toValidationInput, trimForValidation } from '../lib/formUtils.js';

export interface FieldRule<F extends string = string> {
  /** Validator of the library to run; without it only `required` and `check` apply. */
  type?: ValidationType;
  /** Options of the validator; a function when they depend on other fields (password: the username). */
  options?: ValidateOptions | ((values: Readonly<Record<F, string>>) => ValidateOptions | undefined);
  required?: boolean;
  /** Trim before validating and submitting (default true; SPEC: the UI trims). Off for passwords. */
  trim?: boolean;
  /** A rule across fields (e.g. "passwords match"), checked after the validator passes. */
  check?: (value: string, values: Readonly<Record<F, string>>) => ValidationIssue | undefined;
}

export type FieldRules<F extends string> = Record<F, FieldRule<F>>;

export interface FormEvaluation<F extends string> {
  results: Record<F, ValidationResult | undefined>;
  errors: Record<F, string | undefined>;
  isValid: boolean;
}

const REQUIRED: ValidationIssue = { code: 'required', message: 'This field is required' };

export function submittedValue(rule: FieldRule, raw: string): string {
  return rule.trim === false ? raw : trimForValidation(raw);
}

/** The pure core of the hook: every field's result and first error for the given values. */
export function evaluateForm<F extends string>(rules: FieldRules<F>, values: Readonly<Record<F, string>>): FormEvaluation<F> {
  const results = {} as Record<F, ValidationResult | undefined>;
  const errors = {} as Record<F, string | undefined>;
  let isValid = true;
  for (const field of Object.keys(rules) as F[]) {
    const rule = rules[field];
    const text = submittedValue(rule, values[field] ?? '');
    let result: ValidationResult | undefined;
    if (text === '') {
      result = rule.required ? { valid: false, errors: [REQUIRED] } : undefined;
    } else {
      const options = typeof rule.options === 'function' ? rule.options(values) : rule.options;
      result = rule.type ? cachedClientValidate(rule.type, toValidationInput(rule.type, text), options) : { valid: true };
      const extra = result.valid ? rule.check?.(text, values) : undefined;
      if (extra) result = { ...result, valid: false, errors: [extra] };
    }
    results[field] = result;
    const first = result?.errors?.[0];
    errors[field] = result && !result.valid ? (first ? describeIssue(first) : 'Invalid value') : undefined;
    if (result && !result.valid) isValid = false;
  }
  return { results, errors, isValid };
}

export interface BoundField {
  id: string;
  name: string;
  value: string;
  onChange: (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => void;
  onBlur: () => void;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
}

export interface FormValidation<F extends string> extends FormEvaluation<F> {
  values: Record<F, string>;
  setValue: (field: F, value: string) => void;
  touched: Record<F, boolean>;
  /** The error to show now: a server error for the field, else the live one once the field was touched. */
  visibleErrors: Record<F, string | undefined>;
  /** Errors from the server (problem+json `errors[].field`); each is cleared when its field changes. */
  setServerErrors: (errors: Partial<Record<string, string>>) => void;
  bind: (field: F) => BoundField;
  /** id of the element that shows a field's error; the input's aria-describedby points at it. */
  errorId: (field: F) => string;
  /** onSubmit handler: touches every field; when all are valid calls `submit` with the submitted values. */
  handleSubmit: (submit: (values: Record<F, string>) => void | Promise<void>) => (event?: FormEvent) => void;
  submitting: boolean;
  reset: () => void;
}

function recordOf<F extends string, V>(fields: readonly F[], value: (field: F) => V): Record<F, V> {
  const out = {} as Record<F, V>;
  for (const field of fields) out[field] = value(field);
  return out;
}

export function useFormValidation<F extends string>(
  rules: FieldRules<F>,
  initial: Partial<Record<F, string>> = {},
): FormValidation<F> {
  const fields = Object.keys(rules) as F[];
  const prefix = useId();
  const initialRef = useRef(initial);
  const [values, setValues] = useState(() => recordOf(fields, (f) => initialRef.current[f] ?? ''));
  const [touched, setTouched] = useState(() => recordOf(fields, () => false));
  const [serverErrors, setServerErrorsState] = useState<Partial<Record<string, string>>>({});
  const [submitting, setSubmitting] = useState(false);

  // Rules are usually written inline; re-evaluate when what they say changes, not when their identity does
  // (functions drop out of the key: they depend on values only, which are a dependency too).
  const rulesKey = JSON.stringify(fields.map((f) => [f, rules[f].type, rules[f].options, rules[f].required, rules[f].trim]));
  const evaluation = useMemo(() => evaluateForm(rules, values), [rulesKey, values]);

  const setValue = useCallback((field: F, value: string) => {
    setValues((prev) => (prev[field] === value ? prev : { ...prev, [field]: value }));
    setServerErrorsState((prev) => {
      if (prev[field] === undefined) return prev;
      const next = { ...prev };
      delete next[field];
      return next;
    });
  }, []);

  const touch = useCallback((field: F) => {
    setTouched((prev) => (prev[field] ? prev : { ...prev, [field]: true }));
  }, []);

  const visibleErrors = recordOf(fields, (f) => serverErrors[f] ?? (touched[f] ? evaluation.errors[f] : undefined));
  const errorId = (field: F) => `${prefix}-${field}-error`;
  const inputId = (field: F) => `${prefix}-${field}`;

  const bind = (field: F): BoundField => ({
    id: inputId(field),
    name: field,
    value: values[field],
    onChange: (event) => setValue(field, event.target.value),
    onBlur: () => touch(field),
    'aria-invalid': visibleErrors[field] !== undefined,
    'aria-describedby': visibleErrors[field] !== undefined ? errorId(field) : undefined,
  });

  const handleSubmit =
    (submit: (values: Record<F, string>) => void | Promise<void>) =>
    (event?: FormEvent): void => {
      event?.preventDefault();
      setTouched(recordOf(fields, () => true));
      if (!evaluation.isValid) {
        const first = fields.find((f) => evaluation.errors[f] !== undefined);
        if (first && typeof document !== 'undefined') document.getElementById(inputId(first))?.focus();
        return;
      }
      if (submitting) return;
      const out = recordOf(fields, (f) => submittedValue(rules[f], values[f]));
      setSubmitting(true);
      void Promise.resolve()
        .then(() => submit(out))
        .finally(() => setSubmitting(false));
    };

  const reset = () => {
    setValues(recordOf(fields, (f) => initialRef.current[f] ?? ''));
    setTouched(recordOf(fields, () => false));
    setServerErrorsState({});
  };

  return {
    ...evaluation,
    values,
    setValue,
    touched,
    visibleErrors,
    setServerErrors: setServerErrorsState,
    bind,
    errorId,
    handleSubmit,
    submitting,
    reset,
  };
}
