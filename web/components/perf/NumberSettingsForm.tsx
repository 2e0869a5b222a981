/**
 * A form of numeric settings (optimizer settings, alert thresholds), validated as the user types with
 * the same bounds as the server's schema. Fields may show another unit than the API takes (percent for
 * a 0..1 fraction, seconds for milliseconds); only the fields that changed are sent.
 */
import { useMemo, useState, type ReactNode } from 'react';
import type { ValidationIssue } from '../../../src/validation/types.js';
import { TextField } from '../TextField.js';
import { useFormValidation, type FieldRules } from '../../hooks/useFormValidation.js';
import { fieldErrorsFromProblem } from '../../lib/formUtils.js';
import { ApiError } from '../../lib/api.js';

export interface NumberFieldSpec<K extends string> {
  key: K;
  label: string;
  hint?: ReactNode;
  /** Bounds in the unit shown. */
  min: number;
  max?: number;
  integer?: boolean;
  /** Shown value = API value × scale (100 for a percent of a fraction, 0.001 for seconds of ms). */
  scale?: number;
  /** The API takes an integer (after scaling back). */
  apiInteger?: boolean;
  /** Groups fields under a legend (consecutive fields with the same group share one fieldset). */
  group?: string;
}

const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)$/;

export function parseNumberField(spec: Pick<NumberFieldSpec<string>, 'min' | 'max' | 'integer'>, text: string): { value?: number; issue?: ValidationIssue } {
  const trimmed = text.trim();
  if (!NUMBER.test(trimmed)) return { issue: { code: 'not_a_number', message: 'Enter a number' } };
  const value = Number(trimmed);
  if (spec.integer && !Number.isInteger(value)) return { issue: { code: 'not_integer', message: 'Enter a whole number' } };
  if (value < spec.min) return { issue: { code: 'too_small', message: `At least ${spec.min.toLocaleString('en-US')}` } };
  if (spec.max !== undefined && value > spec.max) return { issue: { code: 'too_large', message: `At most ${spec.max.toLocaleString('en-US')}` } };
  return { value };
}

const show = (n: number) => String(Number(n.toFixed(6)));

export function toShown(spec: Pick<NumberFieldSpec<string>, 'scale'>, apiValue: number): string {
  return show(apiValue * (spec.scale ?? 1));
}

export function toApi(spec: Pick<NumberFieldSpec<string>, 'scale' | 'apiInteger'>, shown: number): number {
  const raw = shown / (spec.scale ?? 1);
  return spec.apiInteger ? Math.round(raw) : Number(raw.toPrecision(12));
}

interface Props<K extends string> {
  specs: readonly NumberFieldSpec<K>[];
  /** Current API values. */
  values: Record<K, number>;
  /** A rule across fields, on the API values; returns [field, message] when broken. */
  crossCheck?: (values: Record<K, number>) => [K, string] | undefined;
  /** Sends the changed fields; resolves when saved. */
  onSave: (patch: Partial<Record<K, number>>) => Promise<void>;
  submitLabel: string;
  testId: string;
}

export function NumberSettingsForm<K extends string>({ specs, values, crossCheck, onSave, submitLabel, testId }: Props<K>) {
  const byKey = useMemo(() => new Map(specs.map((s) => [s.key, s])), [specs]);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const rules = {} as FieldRules<K>;
  for (const spec of specs) {
    rules[spec.key] = {
      required: true,
      check: (text, all) => {
        const parsed = parseNumberField(spec, text);
        if (parsed.issue) return parsed.issue;
        if (!crossCheck) return undefined;
        const apiValues = { ...values };
        for (const other of specs) {
          const v = parseNumberField(other, all[other.key] ?? '').value;
          if (v !== undefined) apiValues[other.key] = toApi(other, v);
        }
        const broken = crossCheck(apiValues);
        return broken && broken[0] === spec.key ? { code: 'inconsistent', message: broken[1] } : undefined;
      },
    };
  }
  const initial = {} as Record<K, string>;
  for (const spec of specs) initial[spec.key] = toShown(spec, values[spec.key]);
  const form = useFormValidation<K>(rules, initial);

  const submit = form.handleSubmit(async (shown) => {
    setMessage(null);
    const patch: Partial<Record<K, number>> = {};
    for (const spec of specs) {
      const parsed = parseNumberField(spec, shown[spec.key]);
      if (parsed.value === undefined) return;
      const next = toApi(spec, parsed.value);
      if (Math.abs(next - values[spec.key]) > 1e-9) patch[spec.key] = next;
    }
    if (Object.keys(patch).length === 0) {
      setMessage({ ok: true, text: 'Nothing changed.' });
      return;
    }
    try {
      await onSave(patch);
      setMessage({ ok: true, text: 'Saved.' });
    } catch (error) {
      if (error instanceof ApiError) {
        const { fields, other } = fieldErrorsFromProblem(error.errors);
        form.setServerErrors(fields);
        setMessage({ ok: false, text: other[0] ?? error.userMessage });
      } else {
        setMessage({ ok: false, text: 'Could not save. Please try again.' });
      }
    }
  });

  // Consecutive fields of one group share a fieldset.
  const groups: Array<{ name: string | undefined; specs: NumberFieldSpec<K>[] }> = [];
  for (const spec of specs) {
    const last = groups[groups.length - 1];
    if (last && last.name === spec.group && spec.group !== undefined) last.specs.push(spec);
    else groups.push({ name: spec.group, specs: [spec] });
  }
  const field = (key: K) => {
    const spec = byKey.get(key) as NumberFieldSpec<K>;
    return (
      <TextField
        key={key}
        label={spec.label}
        field={form.bind(key)}
        error={form.visibleErrors[key]}
        hint={spec.hint}
        inputMode={spec.integer ? 'numeric' : 'decimal'}
        autoComplete="off"
        spellCheck={false}
      />
    );
  };

  return (
    <form className="form perf-form" noValidate onSubmit={submit} data-testid={testId}>
      <div className="perf-form-grid">
        {groups.map((group, i) =>
          group.name ? (
            <fieldset key={group.name} className="perf-fieldset">
              <legend>{group.name}</legend>
              {group.specs.map((s) => field(s.key))}
            </fieldset>
          ) : (
            <div key={`g${i}`} className="perf-fieldset plain">
              {group.specs.map((s) => field(s.key))}
            </div>
          ),
        )}
      </div>
      <div className="perf-form-actions">
        <button type="submit" className="button primary" disabled={form.submitting}>
          {form.submitting ? 'Saving…' : submitLabel}
        </button>
        {message ? (
          <span className={message.ok ? 'field-ok' : 'form-error'} role={message.ok ? 'status' : 'alert'}>
            {message.text}
          </span>
        ) : null}
      </div>
    </form>
  );
}
