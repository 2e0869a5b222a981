/**
 * Lightning helpers for the web UI (pure, no DOM): API shapes, amounts typed in sat or BTC turned into
 * whole sats without floating point, bulk lines / CSV `amount,memo` turned into invoice items, and the
 * CSV download of created invoices (cells neutralised against CSV injection, as the notes export does).
 */
import { cachedClientValidate, describeIssue, toValidationInput, trimForValidation } from './formUtils.js';
import type { ValidationIssue } from '../../src/validation/types.js';

export type InvoiceStatus = 'pending' | 'paid' | 'expired' | 'canceled';

/** SPEC: amountMsat is a number up to 2^53 − 1 and a decimal string above; null = any amount. */
export type Msat = number | string | null;

export interface InvoiceView {
  id: string;
  paymentHash: string;
  bolt11: string;
  amountMsat: Msat;
  memo: string;
  createdAt: string;
  expiresAt: string;
  status: InvoiceStatus;
  settledAt?: string;
  amountPaidMsat?: Msat;
}

export interface NodeView {
  backend: 'dev' | 'lnd';
  pubkey: string;
  alias: string;
  network: string;
  canSimulatePayments: boolean;
}

export interface BulkResultView {
  index: number;
  ok: boolean;
  invoice?: InvoiceView;
  errors?: Array<{ field?: string; code: string; message: string }>;
}

export interface BulkReportView {
  mode: 'partial' | 'atomic';
  created: number;
  failed: number;
  results: BulkResultView[];
}

export type AmountUnit = 'sat' | 'btc';
export const SATS_PER_BTC = 100_000_000n;
const BTC_TEXT = /^(\d+)(?:\.(\d*))?$|^\.(\d+)$/;

/**
 * Text as typed → whole sats for the API, or the issue to show. Empty text is an invoice of any amount
 * (undefined sats). BTC is converted with integer arithmetic: "0.1" is exactly 10,000,000 sat.
 */
export function amountToSats(text: string, unit: AmountUnit): { sats?: number; issue?: ValidationIssue } {
  const trimmed = trimForValidation(text);
  if (trimmed === '') return {};
  let value: unknown;
  if (unit === 'btc') {
    const match = BTC_TEXT.exec(trimmed);
    if (!match) return { issue: { code: 'not_a_number', message: 'Enter an amount in BTC, e.g. 0.0015' } };
    const whole = match[1] ?? '0';
    const fraction = match[2] ?? match[3] ?? '';
    if (fraction.length > 8) return { issue: { code: 'too_precise', message: 'BTC has at most 8 decimals (1 sat = 0.00000001 BTC)' } };
    const sats = BigInt(whole) * SATS_PER_BTC + BigInt(fraction.padEnd(8, '0') || '0');
    value = sats <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(sats) : Number.POSITIVE_INFINITY;
  } else {
    value = toValidationInput('amount', trimmed);
  }
  const result = cachedClientValidate('amount', value);
  if (!result.valid) return { issue: result.errors?.[0] ?? { code: 'invalid', message: 'Not a valid amount' } };
  return { sats: value as number };
}

/** "1,500 sat", "1,500.5 sat" for msat precision, or "any amount". */
export function formatMsat(msat: Msat | undefined): string {
  if (msat === null || msat === undefined) return 'any amount';
  const value = BigInt(msat);
  const sats = value / 1000n;
  const rest = value % 1000n;
  const whole = sats.toLocaleString('en-US');
  return rest === 0n ? `${whole} sat` : `${whole}.${rest.toString().padStart(3, '0').replace(/0+$/, '')} sat`;
}

/** Parses RFC 4180 CSV (quotes, "" escapes, CRLF/LF) into rows of cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const input = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (quoted) {
      if (c === '"' && input[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && input[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

export interface BulkLine {
  /** 1-based line of the pasted text or file. */
  line: number;
  amountText: string;
  memo: string;
  /** What the API gets: amountSat when an amount was given (checked by the server), memo when given. */
  item: { amountSat?: number | string; memo?: string };
  /** The browser's own verdict on the amount, before sending (the server judges again). */
  issue?: string;
}

/**
 * Lines of `amount,memo` (sats; the memo may hold commas when quoted, or anything after the first comma
 * when unquoted). A first row whose amount cell is `amount` is a header. Empty lines are skipped.
 */
export function parseBulkLines(text: string): BulkLine[] {
  const out: BulkLine[] = [];
  const rows = parseCsv(text);
  rows.forEach((cells, i) => {
    if (cells.every((c) => trimForValidation(c) === '')) return;
    const amountText = trimForValidation(cells[0] ?? '');
    if (i === 0 && amountText.toLowerCase() === 'amount') return;
    const memo = cells.slice(1).join(',').trim();
    const { sats, issue } = amountToSats(amountText, 'sat');
    // A bad amount is still sent (the server judges each item and reports it in the results): as a
    // number when it reads as one (0, 1.5 → "not positive", "not whole"), else as the text typed.
    const item: BulkLine['item'] = {};
    const numeric = toValidationInput('amount', amountText);
    if (amountText !== '') item.amountSat = issue ? (Number.isFinite(numeric) ? (numeric as number) : amountText) : (sats as number);
    if (memo !== '') item.memo = memo;
    out.push({ line: i + 1, amountText, memo, item, ...(issue ? { issue: describeIssue(issue) } : {}) });
  });
  return out;
}

/** OWASP CSV injection: a cell that a spreadsheet would run as a formula is prefixed with '. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function invoicesCsv(invoices: readonly InvoiceView[]): string {
  const header = ['id', 'amount_msat', 'memo', 'status', 'created_at', 'expires_at', 'payment_hash', 'bolt11'];
  const lines = invoices.map((i) =>
    [i.id, i.amountMsat === null ? '' : String(i.amountMsat), i.memo, i.status, i.createdAt, i.expiresAt, i.paymentHash, i.bolt11].map(csvCell).join(','),
  );
  return `${[header.join(','), ...lines].join('\r\n')}\r\n`;
}

/** A new Idempotency-Key per submission: a retried request (network error) is not created twice. */
export function newIdempotencyKey(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}
