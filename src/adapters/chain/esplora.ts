/**
 * Esplora REST backend (mempool.space, Blockstream, self-hosted electrs-esplora).
 * Endpoints: /address/:a/txs (+ /txs/chain/:last_seen paging), /tx/:txid, /tx/:txid/hex,
 * /blocks/tip/height. Requests run with bounded concurrency; each goes through the shared
 * resilience policy (timeout, retries honouring Retry-After, circuit breaker).
 * A history answer already carries whole transactions: they are kept for a minute so the
 * transactions() call that follows a scan costs no request.
 */
import {
  ChainProtocolError,
  ChainUnavailableError,
  type ChainBackend,
  type ChainTransaction,
  type HistoryEntry,
  type ScriptRef,
} from '../../domain/wallets/chain.js';
import { parseEsploraTx, parseTxArray } from './esplora-json.js';
import {
  DEFAULT_RESILIENCE,
  TransientChainError,
  createExecutor,
  createLimiter,
  parseRetryAfter,
  type Execute,
  type ResilienceOptions,
} from './resilience.js';

export interface EsploraOptions extends Partial<ResilienceOptions> {
  /** API base, e.g. https://mempool.space/api */
  baseUrl: string;
  /** Parallel requests to this host (mempool.space throttles bursts). */
  concurrency?: number;
  /** A Retry-After longer than this fails the call instead of waiting. */
  maxRetryAfterMs?: number;
  fetch?: typeof fetch;
}

/** Esplora's page size for confirmed history (API.md: "Returns 25 transactions per page"). */
const CHAIN_PAGE = 25;
const RECENT_TTL_MS = 60_000;
const RECENT_MAX = 5_000;
const MAX_PAGES = 400; // 10,000 confirmed transactions per address

function byHeightThenTxid(a: HistoryEntry, b: HistoryEntry): number {
  const ha = a.height ?? Number.MAX_SAFE_INTEGER;
  const hb = b.height ?? Number.MAX_SAFE_INTEGER;
  return ha - hb || (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : 0);
}

export class EsploraBackend implements ChainBackend {
  readonly kind = 'esplora';
  private readonly base: string;
  private readonly execute: Execute;
  private readonly limit: <T>(task: () => Promise<T>) => Promise<T>;
  private readonly fetch: typeof fetch;
  private readonly maxRetryAfterMs: number;
  private readonly recent = new Map<string, { tx: ChainTransaction; at: number }>();

  constructor(options: EsploraOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.execute = createExecutor({ ...DEFAULT_RESILIENCE, ...options });
    this.limit = createLimiter(options.concurrency ?? 4);
    this.fetch = options.fetch ?? fetch;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
  }

  async tipHeight(): Promise<number> {
    const text = await this.get('/blocks/tip/height', 'text');
    if (!/^\d+$/.test(text.trim())) throw new ChainProtocolError(`esplora: tip height ${JSON.stringify(text.slice(0, 40))} is not a number`);
    return Number(text.trim());
  }

  async scriptHistories(scripts: readonly ScriptRef[]): Promise<Map<string, HistoryEntry[]>> {
    const out = new Map<string, HistoryEntry[]>();
    await Promise.all(
      scripts.map(async (script) => {
        if (out.has(script.scriptPubKey)) return;
        out.set(script.scriptPubKey, []);
        out.set(script.scriptPubKey, await this.addressHistory(script.address));
      }),
    );
    return out;
  }

  async transactions(refs: readonly HistoryEntry[], options: { hex?: boolean } = {}): Promise<Map<string, ChainTransaction>> {
    const out = new Map<string, ChainTransaction>();
    const now = Date.now();
    await Promise.all(
      [...new Set(refs.map((r) => r.txid))].map(async (txid) => {
        const seen = this.recent.get(txid);
        let tx: ChainTransaction =
          seen && now - seen.at < RECENT_TTL_MS ? { ...seen.tx } : parseEsploraTx(await this.get(`/tx/${txid}`, 'json'), txid);
        if (options.hex) {
          const hex = (await this.get(`/tx/${txid}/hex`, 'text')).trim().toLowerCase();
          if (!/^(?:[0-9a-f]{2})+$/.test(hex)) throw new ChainProtocolError(`esplora: /tx/${txid}/hex is not hex`);
          tx = { ...tx, hex };
        }
        out.set(txid, tx);
      }),
    );
    return out;
  }

  async close(): Promise<void> {
    this.recent.clear();
  }

  private async addressHistory(address: string): Promise<HistoryEntry[]> {
    const path = `/address/${encodeURIComponent(address)}/txs`;
    const entries = new Map<string, HistoryEntry>();
    let page = parseTxArray(await this.get(path, 'json'), path).map((json) => parseEsploraTx(json));
    let confirmedInPage = this.collect(page, entries);
    for (let pages = 0; confirmedInPage >= CHAIN_PAGE && pages < MAX_PAGES; pages++) {
      const last = page.filter((tx) => tx.height !== null).at(-1)!;
      const next = `${path}/chain/${last.txid}`;
      page = parseTxArray(await this.get(next, 'json'), next).map((json) => parseEsploraTx(json));
      confirmedInPage = this.collect(page, entries);
    }
    return [...entries.values()].sort(byHeightThenTxid);
  }

  private collect(page: ChainTransaction[], entries: Map<string, HistoryEntry>): number {
    const now = Date.now();
    let confirmed = 0;
    for (const tx of page) {
      if (tx.height !== null) confirmed++;
      // A transaction that confirmed between two pages shows once, confirmed.
      const known = entries.get(tx.txid);
      if (!known || known.height === null) entries.set(tx.txid, { txid: tx.txid, height: tx.height });
      this.remember(tx, now);
    }
    return confirmed;
  }

  private remember(tx: ChainTransaction, now: number): void {
    this.recent.delete(tx.txid);
    this.recent.set(tx.txid, { tx, at: now });
    while (this.recent.size > RECENT_MAX) this.recent.delete(this.recent.keys().next().value!);
  }

  private get(path: string, as: 'json'): Promise<unknown>;
  private get(path: string, as: 'text'): Promise<string>;
  private get(path: string, as: 'json' | 'text'): Promise<unknown> {
    const label = `esplora GET ${path}`;
    return this.limit(() =>
      this.execute(label, async (signal) => {
        let response: Response;
        try {
          response = await this.fetch(`${this.base}${path}`, {
            signal,
            headers: { accept: as === 'json' ? 'application/json' : 'text/plain' },
          });
        } catch (error) {
          if (signal.aborted) throw error;
          throw new TransientChainError(`${label}: ${describeNetworkError(error)}`, undefined, { cause: error });
        }
        if (response.status === 429) {
          await response.body?.cancel();
          const wait = parseRetryAfter(response.headers.get('retry-after'));
          if (wait !== undefined && wait > this.maxRetryAfterMs) {
            throw new ChainUnavailableError(`${label}: rate limited for ${Math.ceil(wait / 1000)} s`);
          }
          throw new TransientChainError(`${label}: rate limited (429)`, wait ?? 1000);
        }
        if (response.status >= 500) {
          await response.body?.cancel();
          throw new TransientChainError(`${label}: HTTP ${response.status}`);
        }
        const body = await response.text();
        if (response.status !== 200) {
          throw new ChainProtocolError(`${label}: HTTP ${response.status} ${JSON.stringify(body.slice(0, 120))}`);
        }
        if (as === 'text') return body;
        try {
          return JSON.parse(body) as unknown;
        } catch (error) {
          throw new ChainProtocolError(`${label}: malformed JSON`, { cause: error });
        }
      }),
    );
  }
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? 'network error';
}
