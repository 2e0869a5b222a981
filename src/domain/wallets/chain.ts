/**
 * The chain-data port. Esplora (REST) and Electrum (JSON-RPC over TCP/TLS) implement it in
 * src/adapters/chain/ and share one contract test suite. Every method takes many items at once:
 * implementations batch (Electrum: one JSON-RPC batch per round; Esplora: bounded parallel requests).
 *
 * Failures are typed: ChainUnavailableError (timeout, refused, 5xx, rate limited past the retry
 * budget, circuit open → HTTP 503) and ChainProtocolError (an answer that is not what the protocol
 * promises → HTTP 502). A backend never hangs past its timeout.
 */
import { AppError } from '../../errors.js';

/** One script to look up. Esplora queries by address, Electrum by scripthash of the scriptPubKey. */
export interface ScriptRef {
  /** lower-case hex; the key of the answers */
  scriptPubKey: string;
  address: string;
}

export interface HistoryEntry {
  txid: string;
  /** block height; null while in the mempool */
  height: number | null;
}

export interface ChainTxInput {
  prevTxid: string;
  vout: number;
  /** value and script of the spent output, when the backend knows them */
  value?: number;
  scriptPubKey?: string;
  coinbase?: true;
}

export interface ChainTxOutput {
  /** sats */
  value: number;
  /** lower-case hex */
  scriptPubKey: string;
}

export interface ChainTransaction {
  txid: string;
  /** null while unconfirmed */
  height: number | null;
  /** block time (unix seconds) when confirmed */
  time?: number;
  /** sats; known when every prevout is known */
  fee?: number;
  /** raw transaction, when asked for with `{hex: true}` */
  hex?: string;
  vin: ChainTxInput[];
  vout: ChainTxOutput[];
}

export interface ChainBackend {
  /** "esplora" | "electrum"; for health checks and metrics */
  readonly kind: string;
  tipHeight(): Promise<number>;
  /** History of each script (confirmed oldest first, then mempool), keyed by scriptPubKey hex. */
  scriptHistories(scripts: readonly ScriptRef[]): Promise<Map<string, HistoryEntry[]>>;
  /**
   * Decoded transactions keyed by txid, with the value and script of every spent output filled in
   * (so fees are known). Takes history entries: Electrum learns heights only from histories.
   * An unknown txid is a ChainProtocolError.
   */
  transactions(refs: readonly HistoryEntry[], options?: { hex?: boolean }): Promise<Map<string, ChainTransaction>>;
  close(): Promise<void>;
}

export class ChainUnavailableError extends AppError {
  constructor(detail: string, options: { cause?: unknown } = {}) {
    super('dependency_down', `Chain backend unavailable: ${detail}`, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'ChainUnavailableError';
  }
}

export class ChainProtocolError extends AppError {
  constructor(detail: string, options: { cause?: unknown } = {}) {
    super('bad_gateway', `Chain backend answered badly: ${detail}`, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'ChainProtocolError';
  }
}

/** Sum of inputs minus outputs, when every input's value is known (coinbase: no fee). */
export function feeOf(tx: Pick<ChainTransaction, 'vin' | 'vout'>): number | undefined {
  let fee = 0;
  for (const input of tx.vin) {
    if (input.coinbase || input.value === undefined) return undefined;
    fee += input.value;
  }
  for (const output of tx.vout) fee -= output.value;
  return fee;
}
