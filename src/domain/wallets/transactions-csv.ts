/**
 * CSV export of a wallet's history, oldest first: `date,txid,amount,fee,balance,note` (amounts in
 * sats, `balance` the running total, `date` the block time in UTC, empty while unconfirmed). Streamed
 * as string chunks, RFC 4180 quoting, CRLF. Text cells that a spreadsheet would run as a formula
 * (leading `=`, `+`, `-`, `@`, tab or CR — a note can hold anything) are neutralised with a leading `'`
 * (OWASP CSV injection, as the notes export). The integers this module formats itself are left as
 * numbers: `-310000` is not a formula, and quoting it would turn every spend into text.
 */
import { csvCell } from '../notes/csv-export.js';
import type { WalletTransaction } from './ports.js';

export const TRANSACTIONS_CSV_HEADER = 'date,txid,amount,fee,balance,note\r\n';

function dateOf(tx: WalletTransaction): string {
  return tx.time === undefined ? '' : new Date(tx.time * 1000).toISOString().replace('.000Z', 'Z');
}

export async function* exportTransactionsCsv(transactions: AsyncIterable<WalletTransaction>, chunkChars = 64 * 1024): AsyncGenerator<string> {
  let chunk = TRANSACTIONS_CSV_HEADER;
  let balance = 0;
  for await (const tx of transactions) {
    balance += tx.amountSat;
    chunk += `${csvCell(dateOf(tx))},${csvCell(tx.txid)},${tx.amountSat},${tx.feeSat ?? ''},${balance},${csvCell(tx.note ?? '')}\r\n`;
    if (chunk.length >= chunkChars) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}
