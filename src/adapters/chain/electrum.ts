/**
 * Electrum protocol backend (ElectrumX, Fulcrum, electrs): one lazily opened connection, opened with
 * `server.version`; every port call is one batched round trip (split into chunks of `batchSize`, all
 * written at once). Transactions come as raw hex (`blockchain.transaction.get`, verbose=false), are
 * decoded with @scure/btc-signer and checked against the txid asked for; a second round fetches the
 * parents of their inputs so values and fees are known, as Esplora gives them.
 */
import { createHash } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { hex } from '@scure/base';
import { Transaction } from '@scure/btc-signer';
import {
  ChainProtocolError,
  feeOf,
  type ChainBackend,
  type ChainTransaction,
  type HistoryEntry,
  type ScriptRef,
} from '../../domain/wallets/chain.js';
import { ElectrumConnection, parseElectrumUrl, type ElectrumEndpoint, type RpcCall } from './electrum-connection.js';
import { DEFAULT_RESILIENCE, createExecutor, type Execute, type ResilienceOptions } from './resilience.js';

export interface ElectrumOptions extends Partial<ResilienceOptions> {
  /** tcp://host:port or ssl://host:port */
  url: string;
  /** Calls per JSON-RPC batch line (servers cap batch sizes; ElectrumX allows well above 100). */
  batchSize?: number;
  /** For ssl://: e.g. a pinned `ca`, or `rejectUnauthorized: false` for a self-signed home server. */
  tls?: ConnectionOptions;
  clientName?: string;
}

/** Electrum protocol version this client speaks (1.4: scripthash methods, verbose=false tx). */
export const ELECTRUM_PROTOCOL = '1.4';

/** Electrum's scripthash: sha256(scriptPubKey), byte-reversed, hex. */
export function electrumScripthash(scriptPubKeyHex: string): string {
  return Buffer.from(createHash('sha256').update(Buffer.from(scriptPubKeyHex, 'hex')).digest()).reverse().toString('hex');
}

export interface ScriptBalance {
  confirmed: number;
  unconfirmed: number;
}

interface Decoded {
  txid: string;
  vin: ChainTransaction['vin'];
  vout: ChainTransaction['vout'];
  hex: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function decodeRawTx(rawHex: unknown, txid: string): Decoded {
  if (typeof rawHex !== 'string' || !/^(?:[0-9a-fA-F]{2})+$/.test(rawHex)) {
    throw new ChainProtocolError(`electrum: transaction ${txid} is not hex`);
  }
  let tx: Transaction;
  try {
    tx = Transaction.fromRaw(hex.decode(rawHex.toLowerCase()), {
      allowUnknownOutputs: true,
      allowUnknownInputs: true,
      disableScriptCheck: true,
      allowUnknownVersion: true,
    });
  } catch (error) {
    throw new ChainProtocolError(`electrum: transaction ${txid} does not decode`, { cause: error });
  }
  if (tx.id !== txid) throw new ChainProtocolError(`electrum: asked for ${txid}, got a transaction hashing to ${tx.id}`);
  const vin: ChainTransaction['vin'] = [];
  for (let i = 0; i < tx.inputsLength; i++) {
    const input = tx.getInput(i);
    const prevTxid = hex.encode(input.txid!);
    if (input.index === 0xffffffff && /^0+$/.test(prevTxid)) vin.push({ prevTxid, vout: 0xffffffff, coinbase: true });
    else vin.push({ prevTxid, vout: input.index! });
  }
  const vout: ChainTransaction['vout'] = [];
  for (let i = 0; i < tx.outputsLength; i++) {
    const output = tx.getOutput(i);
    vout.push({ value: Number(output.amount!), scriptPubKey: hex.encode(output.script!) });
  }
  return { txid, vin, vout, hex: rawHex.toLowerCase() };
}

function blockTime(headerHex: unknown, height: number): number {
  if (typeof headerHex !== 'string' || !/^[0-9a-fA-F]{160}$/.test(headerHex)) {
    throw new ChainProtocolError(`electrum: header at height ${height} is not 80 bytes of hex`);
  }
  // Bitcoin block header: version(4) prev(32) merkle(32) time(4, little-endian) bits(4) nonce(4)
  return Buffer.from(headerHex.slice(136, 144), 'hex').readUInt32LE(0);
}

export class ElectrumBackend implements ChainBackend {
  readonly kind = 'electrum';
  private readonly endpoint: ElectrumEndpoint;
  private readonly execute: Execute;
  private readonly batchSize: number;
  private connection: ElectrumConnection | undefined;
  private connecting: Promise<ElectrumConnection> | undefined;
  /** Server's answer to server.version: [software, protocol]. */
  serverVersion: [string, string] | undefined;

  constructor(private readonly options: ElectrumOptions) {
    this.endpoint = parseElectrumUrl(options.url);
    this.execute = createExecutor({ ...DEFAULT_RESILIENCE, ...options });
    this.batchSize = options.batchSize ?? 100;
  }

  async tipHeight(): Promise<number> {
    const [result] = await this.call('electrum blockchain.headers.subscribe', [{ method: 'blockchain.headers.subscribe', params: [] }]);
    const height = isRecord(result) ? result.height : undefined;
    if (!Number.isSafeInteger(height) || (height as number) < 0) throw new ChainProtocolError('electrum: headers.subscribe without a height');
    return height as number;
  }

  async scriptHistories(scripts: readonly ScriptRef[]): Promise<Map<string, HistoryEntry[]>> {
    const unique = [...new Set(scripts.map((s) => s.scriptPubKey))];
    const results = await this.call(
      'electrum blockchain.scripthash.get_history',
      unique.map((spk) => ({ method: 'blockchain.scripthash.get_history', params: [electrumScripthash(spk)] })),
    );
    const out = new Map<string, HistoryEntry[]>();
    unique.forEach((spk, i) => {
      const list = results[i];
      if (!Array.isArray(list)) throw new ChainProtocolError('electrum: get_history answer is not an array');
      const entries = list.map((item): HistoryEntry => {
        if (!isRecord(item) || typeof item.tx_hash !== 'string' || !/^[0-9a-f]{64}$/.test(item.tx_hash) || !Number.isSafeInteger(item.height)) {
          throw new ChainProtocolError('electrum: get_history item without tx_hash/height');
        }
        // Electrum: height 0 = mempool, -1 = mempool with unconfirmed parents.
        return { txid: item.tx_hash, height: (item.height as number) > 0 ? (item.height as number) : null };
      });
      entries.sort((a, b) => (a.height ?? Number.MAX_SAFE_INTEGER) - (b.height ?? Number.MAX_SAFE_INTEGER) || (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : 0));
      out.set(spk, entries);
    });
    return out;
  }

  /** blockchain.scripthash.get_balance for each script (a cross-check; sync computes its own). */
  async balances(scripts: readonly ScriptRef[]): Promise<Map<string, ScriptBalance>> {
    const unique = [...new Set(scripts.map((s) => s.scriptPubKey))];
    const results = await this.call(
      'electrum blockchain.scripthash.get_balance',
      unique.map((spk) => ({ method: 'blockchain.scripthash.get_balance', params: [electrumScripthash(spk)] })),
    );
    return new Map(
      unique.map((spk, i) => {
        const r = results[i];
        if (!isRecord(r) || !Number.isSafeInteger(r.confirmed) || !Number.isSafeInteger(r.unconfirmed)) {
          throw new ChainProtocolError('electrum: get_balance answer without confirmed/unconfirmed');
        }
        return [spk, { confirmed: r.confirmed as number, unconfirmed: r.unconfirmed as number }];
      }),
    );
  }

  async transactions(refs: readonly HistoryEntry[], options: { hex?: boolean } = {}): Promise<Map<string, ChainTransaction>> {
    const heights = new Map<string, number | null>();
    for (const ref of refs) heights.set(ref.txid, ref.height);
    const txids = [...heights.keys()];
    const blockHeights = [...new Set([...heights.values()].filter((h): h is number => h !== null))];
    // Round 1: the transactions and the headers of their blocks (for block time), in one batch.
    const answers = await this.call('electrum blockchain.transaction.get', [
      ...txids.map((txid) => ({ method: 'blockchain.transaction.get', params: [txid, false] })),
      ...blockHeights.map((height) => ({ method: 'blockchain.block.header', params: [height] })),
    ]);
    const decoded = new Map(txids.map((txid, i) => [txid, decodeRawTx(answers[i], txid)]));
    const times = new Map(blockHeights.map((height, i) => [height, blockTime(answers[txids.length + i], height)]));
    // Round 2: parents not already in hand, so every input has its value and script.
    const parentIds = new Set<string>();
    for (const tx of decoded.values()) {
      for (const input of tx.vin) if (!input.coinbase && !decoded.has(input.prevTxid)) parentIds.add(input.prevTxid);
    }
    const parents = new Map<string, Decoded>();
    if (parentIds.size) {
      const ids = [...parentIds];
      const raw = await this.call(
        'electrum blockchain.transaction.get (inputs)',
        ids.map((txid) => ({ method: 'blockchain.transaction.get', params: [txid, false] })),
      );
      ids.forEach((txid, i) => parents.set(txid, decodeRawTx(raw[i], txid)));
    }
    const out = new Map<string, ChainTransaction>();
    for (const [txid, tx] of decoded) {
      const vin = tx.vin.map((input) => {
        if (input.coinbase) return input;
        const prevout = (decoded.get(input.prevTxid) ?? parents.get(input.prevTxid))?.vout[input.vout];
        if (!prevout) throw new ChainProtocolError(`electrum: ${txid} spends ${input.prevTxid}:${input.vout}, which does not exist`);
        return { ...input, value: prevout.value, scriptPubKey: prevout.scriptPubKey };
      });
      const height = heights.get(txid) ?? null;
      const result: ChainTransaction = { txid, height, vin, vout: tx.vout };
      if (height !== null) result.time = times.get(height)!;
      const fee = feeOf(result);
      if (fee !== undefined) result.fee = fee;
      if (options.hex) result.hex = tx.hex;
      out.set(txid, result);
    }
    return out;
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.connecting = undefined;
    connection?.destroy();
  }

  /** One logical round trip: all chunks written back to back on one connection. */
  private async call(label: string, calls: readonly RpcCall[]): Promise<unknown[]> {
    if (calls.length === 0) return [];
    return this.execute(label, async (signal) => {
      const connection = await this.connect(signal);
      const chunks: Array<Promise<unknown[]>> = [];
      for (let i = 0; i < calls.length; i += this.batchSize) {
        chunks.push(connection.batch(calls.slice(i, i + this.batchSize), signal));
      }
      return (await Promise.all(chunks)).flat();
    });
  }

  private async connect(signal: AbortSignal): Promise<ElectrumConnection> {
    if (this.connection?.alive) return this.connection;
    this.connecting ??= (async () => {
      try {
        const connection = await ElectrumConnection.open(this.endpoint, this.options.tls ?? {}, signal);
        const [version] = await connection.batch(
          [{ method: 'server.version', params: [this.options.clientName ?? 'satchel', ELECTRUM_PROTOCOL] }],
          signal,
        );
        if (!Array.isArray(version) || version.length !== 2 || !version.every((v) => typeof v === 'string')) {
          connection.destroy();
          throw new ChainProtocolError('electrum: server.version answer is not [software, protocol]');
        }
        this.serverVersion = version as [string, string];
        this.connection = connection;
        return connection;
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }
}
