/** The Lightning page's pure helpers: sat/BTC amounts, bulk lines and CSV, the CSV download. */
import { describe, expect, it } from 'vitest';
import { amountToSats, formatMsat, invoicesCsv, parseBulkLines, parseCsv, type InvoiceView } from '../../../web/lib/lightning.js';

describe('amountToSats', () => {
  it('reads sats and BTC exactly, without floating point', () => {
    expect(amountToSats('1500', 'sat')).toEqual({ sats: 1500 });
    expect(amountToSats('0.1', 'btc')).toEqual({ sats: 10_000_000 });
    expect(amountToSats('0.00000001', 'btc')).toEqual({ sats: 1 });
    expect(amountToSats('21000000', 'btc')).toEqual({ sats: 2_100_000_000_000_000 });
    expect(amountToSats('.5', 'btc')).toEqual({ sats: 50_000_000 });
    expect(amountToSats('  ', 'sat')).toEqual({});
  });

  it('names what is wrong', () => {
    expect(amountToSats('0.000000001', 'btc').issue?.code).toBe('too_precise');
    expect(amountToSats('1,5', 'btc').issue?.code).toBe('not_a_number');
    expect(amountToSats('1.5', 'sat').issue?.code).toBe('not_integer');
    expect(amountToSats('0', 'sat').issue?.code).toBe('out_of_range');
    expect(amountToSats('21000000.00000001', 'btc').issue?.code).toBe('out_of_range');
  });
});

describe('formatMsat', () => {
  it('shows sats, msat fractions, big string amounts and any amount', () => {
    expect(formatMsat(1_500_000)).toBe('1,500 sat');
    expect(formatMsat(1_500_500)).toBe('1,500.5 sat');
    expect(formatMsat('2100000000000000000')).toBe('2,100,000,000,000,000 sat');
    expect(formatMsat(null)).toBe('any amount');
  });
});

describe('bulk lines', () => {
  it('parses RFC 4180 quoting and CRLF', () => {
    expect(parseCsv('a,"b, ""c"""\r\n1,2')).toEqual([['a', 'b, "c"'], ['1', '2']]);
  });

  it('skips a header and empty lines, keeps line numbers and sends bad amounts as typed', () => {
    const lines = parseBulkLines('amount,memo\n1500,coffee\n\n21000,"book, paperback"\nabc,x\n,tip');
    expect(lines.map((l) => l.line)).toEqual([2, 4, 5, 6]);
    expect(lines.map((l) => l.item)).toEqual([{ amountSat: 1500, memo: 'coffee' }, { amountSat: 21000, memo: 'book, paperback' }, { amountSat: 'abc', memo: 'x' }, { memo: 'tip' }]);
    expect(lines[2]?.issue).toBeTruthy();
  });
});

describe('invoicesCsv', () => {
  it('quotes and neutralises formula-like cells', () => {
    const invoice: InvoiceView = {
      id: 'i1',
      paymentHash: 'ab',
      bolt11: 'lnbc1',
      amountMsat: 1000,
      memo: '=HYPERLINK("x")',
      createdAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-01T01:00:00.000Z',
      status: 'pending',
    };
    const [, row] = invoicesCsv([invoice]).split('\r\n');
    expect(row).toBe(`i1,1000,"'=HYPERLINK(""x"")",pending,2026-01-01T00:00:00.000Z,2026-01-01T01:00:00.000Z,ab,lnbc1`);
  });
});
