/**
 * One invoice: amount in sat or BTC (empty = any amount), memo, expiry. Checked as typed with the server's
 * own amount validator (BTC converted to whole sats first); sent with an Idempotency-Key kept until the
 * invoice is made, so retrying after a network error does not create a second one.
 */
import { useRef, useState } from 'react';
import { TextField } from '../TextField.js';
import { useFormValidation } from '../../hooks/useFormValidation.js';
import { api, ApiError } from '../../lib/api.js';
import { fieldErrorsFromProblem } from '../../lib/formUtils.js';
import { amountToSats, newIdempotencyKey, type AmountUnit, type InvoiceView } from '../../lib/lightning.js';

const EXPIRIES: Array<[string, string]> = [
  ['600', '10 minutes'],
  ['3600', '1 hour'],
  ['86400', '1 day'],
  ['604800', '1 week'],
];
const MAX_MEMO_BYTES = 1024;
const encoder = new TextEncoder();

export function CreateInvoiceForm({ onCreated }: { onCreated: (invoice: InvoiceView) => void }) {
  const [formError, setFormError] = useState<string | null>(null);
  /** The key and the body it was first sent with: the same body retried keeps it, another body gets a new one. */
  const key = useRef<{ value: string; body: string } | null>(null);
  const form = useFormValidation(
    {
      amount: { check: (value, values) => amountToSats(value, values.unit === 'btc' ? 'btc' : 'sat').issue },
      unit: {},
      memo: {
        trim: false,
        check: (value) =>
          encoder.encode(value).length > MAX_MEMO_BYTES ? { code: 'too_long', message: `At most ${MAX_MEMO_BYTES} bytes` } : undefined,
      },
      expiry: {},
    },
    { unit: 'sat', expiry: '3600' },
  );
  const unit: AmountUnit = form.values.unit === 'btc' ? 'btc' : 'sat';

  const submit = form.handleSubmit(async (values) => {
    setFormError(null);
    const { sats } = amountToSats(values.amount, unit);
    const body = {
      ...(sats !== undefined ? { amountSat: sats } : {}),
      ...(values.memo ? { memo: values.memo } : {}),
      expirySeconds: Number(values.expiry),
    };
    const sent = JSON.stringify(body);
    if (key.current?.body !== sent) key.current = { value: newIdempotencyKey(), body: sent };
    try {
      const invoice = await api.post<InvoiceView>('/api/lightning/invoices', body, { headers: { 'Idempotency-Key': key.current.value } });
      key.current = null;
      form.reset();
      onCreated(invoice);
    } catch (error) {
      if (error instanceof ApiError) {
        const { fields, other } = fieldErrorsFromProblem(error.errors);
        if (fields.amountSat) fields.amount = fields.amountSat;
        form.setServerErrors(fields);
        setFormError(other[0] ?? (Object.keys(fields).length ? null : error.userMessage));
        // A refused request may be corrected and sent again: it is another request, with another key.
        if (error.status !== 0 && error.status < 500) key.current = null;
      } else setFormError('Something went wrong. Please try again.');
    }
  });

  return (
    <form className="card form" onSubmit={submit} noValidate data-testid="invoice-form">
      <h2>New invoice</h2>
      <div className="field">
        <span>Unit</span>
        <div className="segmented" role="group" aria-label="Amount unit">
          {(['sat', 'btc'] as const).map((u) => (
            <button
              key={u}
              type="button"
              className="button"
              aria-pressed={unit === u}
              data-testid={`unit-${u}`}
              onClick={() => form.setValue('unit', u)}
            >
              {u === 'sat' ? 'sat' : 'BTC'}
            </button>
          ))}
        </div>
      </div>
      <TextField
        label={`Amount (${unit === 'sat' ? 'sat' : 'BTC'})`}
        field={form.bind('amount')}
        error={form.visibleErrors.amount}
        valid={form.touched.amount && form.values.amount.trim() !== '' && !form.errors.amount}
        inputMode="decimal"
        autoComplete="off"
        placeholder={unit === 'sat' ? 'e.g. 1500' : 'e.g. 0.000015'}
        hint="Leave empty for an invoice of any amount."
      />
      <TextField label="Memo" field={form.bind('memo')} error={form.visibleErrors.memo} autoComplete="off" placeholder="What it is for" />
      <div className="field">
        <label htmlFor={form.bind('expiry').id}>Expires after</label>
        <select {...form.bind('expiry')} data-testid="field-expiry">
          {EXPIRIES.map(([seconds, label]) => (
            <option key={seconds} value={seconds}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {formError ? (
        <p className="form-error" role="alert">
          {formError}
        </p>
      ) : null}
      <button type="submit" className="button primary" disabled={form.submitting}>
        {form.submitting ? 'Creating…' : 'Create invoice'}
      </button>
    </form>
  );
}
