/**
 * `text/csv` bodies of bulk registration: a header `username,password[,role]` (any order, any case),
 * then one user a row (RFC 4180 quoting, UTF-8 with or without BOM, CRLF or LF). Fields are taken as
 * they are, never trimmed — a password may start with a space. A row with more fields than the header
 * (an unquoted comma in a password, say) is reported on that row, never silently cut.
 */
import { parse } from 'csv-parse/sync';
import { AppError } from '../../../errors.js';
import { MAX_BULK_USERS } from '../../../domain/accounts/policy.js';

const KNOWN = ['username', 'password', 'role'];

export function parseUsersCsv(text: string): { users: Array<Record<string, string>> } {
  let rows: string[][];
  try {
    rows = parse(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      // The header plus one row past the limit is enough to know the envelope is too large.
      to: MAX_BULK_USERS + 2,
    }) as string[][];
  } catch (error) {
    const { lines, code } = error as { lines?: number; code?: string };
    throw new AppError('invalid_input', 'The CSV body could not be parsed', {
      errors: [{ ...(lines ? { line: lines } : {}), code: 'invalid_csv', message: `CSV ${code ?? 'error'} near line ${lines ?? '?'}` }],
      cause: error,
    });
  }
  const [header, ...body] = rows;
  const columns = (header ?? []).map((name) => name.trim().toLowerCase());
  const unknown = columns.filter((name) => !KNOWN.includes(name));
  const missing = ['username', 'password'].filter((name) => !columns.includes(name));
  if (!header || unknown.length || missing.length || new Set(columns).size !== columns.length) {
    throw new AppError('invalid_input', 'The CSV header must be username,password[,role]', {
      errors: [{ line: 1, field: 'header', code: 'invalid_header', message: 'The CSV header must be username,password[,role]' }],
    });
  }
  if (body.length > MAX_BULK_USERS) {
    throw new AppError('invalid_input', `At most ${MAX_BULK_USERS} users a request`, {
      errors: [{ field: 'users', code: 'too_many_items', message: `At most ${MAX_BULK_USERS} users a request` }],
    });
  }
  const users = body.map((fields) => {
    const user: Record<string, string> = {};
    fields.forEach((value, i) => {
      const name = columns[i] ?? `column${i + 1}`;
      // An empty role cell means the default role.
      if (name === 'role' && value === '') return;
      user[name] = value;
    });
    return user;
  });
  return { users };
}
