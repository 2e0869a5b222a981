import type { InputHTMLAttributes, ReactNode } from 'react';
import type { BoundField } from '../hooks/useFormValidation.js';

export interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, keyof BoundField> {
  label: string;
  field: BoundField;
  /** The error to show (useFormValidation's visibleErrors[field]). */
  error: string | undefined;
  hint?: ReactNode;
  /** Shows a quiet "looks good" mark once the value validates. */
  valid?: boolean;
}

/** A labelled input wired to useFormValidation's bind(): error text linked by aria-describedby. */
export function TextField({ label, field, error, hint, valid, ...input }: TextFieldProps) {
  const hintId = hint ? `${field.id}-hint` : undefined;
  const describedBy = [field['aria-describedby'], hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={field.id}>{label}</label>
      <input {...input} {...field} aria-describedby={describedBy} data-testid={`field-${field.name}`} />
      {hint ? (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={`${field.id}-error`} data-testid={`field-${field.name}-error`}>
          {error}
        </p>
      ) : valid ? (
        <p className="field-ok" aria-hidden="true">
          ✓ Looks good
        </p>
      ) : null}
    </div>
  );
}
