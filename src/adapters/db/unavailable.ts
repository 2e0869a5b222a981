/**
 * Tells a database that cannot serve right now (server restarting or gone, network cut, pool exhausted,
 * statement timed out, SQLite file locked past busy_timeout) from a bug. The HTTP layer answers the
 * first kind with a 503 `dependency_down` the client may retry, instead of a 500.
 *
 * Signatures are those of node-postgres and pg-pool (error codes and, where they set none, their fixed
 * messages) and of better-sqlite3; the `cause` chain is followed so wrapped errors are seen too.
 */

/** SQLSTATE classes and codes that mean "the server cannot serve", not "your query is wrong". */
const PG_UNAVAILABLE_CODES = new Set([
  '57P01', // admin_shutdown: the server is stopping (fast shutdown, restart)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '57014', // query_canceled: statement_timeout
  '53300', // too_many_connections
  '25P03', // idle_in_transaction_session_timeout
]);

/** Socket-level errors while connecting or talking to the server. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** node-postgres / pg-pool errors that carry no code, only these messages. */
const PG_MESSAGES = [
  /^Connection terminated/, // "Connection terminated unexpectedly", "… due to connection timeout"
  /^timeout exceeded when trying to connect$/, // pool: no client within connectionTimeoutMillis
  /^Query read timeout$/, // query_timeout
  /not queryable/, // "Client has encountered a connection error and is not queryable"
  /^Cannot use a pool after calling end on the pool$/,
];

const SQLITE_UNAVAILABLE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_TIMEOUT']);

function oneUnavailable(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (PG_UNAVAILABLE_CODES.has(code) || code.startsWith('08')) return `database unavailable (${code})`;
    if (NETWORK_CODES.has(code)) return `database unreachable (${code})`;
    if (SQLITE_UNAVAILABLE_CODES.has(code)) return `database busy (${code})`;
  }
  if (typeof message === 'string' && PG_MESSAGES.some((pattern) => pattern.test(message))) return `database unavailable (${message})`;
  // Node 20 reports a refused dual-stack connect as an AggregateError of per-address errors.
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const reason = oneUnavailable(inner);
      if (reason) return reason;
    }
  }
  return undefined;
}

/** A short reason (for the log, never the response) when `error` means the database is unavailable. */
export function databaseUnavailable(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const reason = oneUnavailable(current);
    if (reason) return reason;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
