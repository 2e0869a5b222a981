/**
 * A local Esplora HTTP server over a FakeChain, answering with Esplora's JSON shapes
 * (Blockstream/esplora API.md): /blocks/tip/height, /blocks/tip/hash, /block-height/:h,
 * /address/:a, /address/:a/txs, /address/:a/txs/chain[/:last_seen], /address/:a/txs/mempool,
 * /tx/:txid, /tx/:txid/hex, /tx/:txid/status. Counts requests and injects faults.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hex } from '@scure/base';
import { OutScript } from '@scure/btc-signer';
import type { FakeChain, FakeTx } from './fake-chain.js';
import { FaultSwitch } from './faults.js';

const SCRIPT_TYPES: Record<string, string> = {
  pkh: 'p2pkh',
  sh: 'p2sh',
  wpkh: 'v0_p2wpkh',
  wsh: 'v0_p2wsh',
  tr: 'v1_p2tr',
  pk: 'p2pk',
};

export interface EsploraServer {
  url: string;
  requests: string[];
  faults: FaultSwitch;
  close(): Promise<void>;
}

export async function startEsploraServer(chain: FakeChain, options: { chainPageSize?: number } = {}): Promise<EsploraServer> {
  const pageSize = options.chainPageSize ?? 25;
  const faults = new FaultSwitch();
  const requests: string[] = [];

  const output = (script: string, value: number) => {
    let type = 'unknown';
    try {
      type = SCRIPT_TYPES[OutScript.decode(hex.decode(script)).type] ?? 'unknown';
    } catch {
      // non-standard
    }
    const address = chain.addressOf(script);
    return { scriptpubkey: script, scriptpubkey_asm: '', scriptpubkey_type: type, ...(address ? { scriptpubkey_address: address } : {}), value };
  };
  const status = (tx: FakeTx) =>
    tx.block
      ? { confirmed: true, block_height: tx.block.height, block_hash: tx.block.hash, block_time: tx.block.time }
      : { confirmed: false };
  const txJson = (tx: FakeTx) => {
    const coinbase = tx.vin.some((i) => i.coinbase);
    const inValue = tx.vin.reduce((sum, i) => sum + (i.coinbase ? 0 : chain.prevout(i.prevTxid, i.vout)!.value), 0);
    const outValue = tx.vout.reduce((sum, o) => sum + o.value, 0);
    return {
      txid: tx.txid,
      version: tx.version,
      locktime: tx.lockTime,
      vin: tx.vin.map((i) => {
        const prev = i.coinbase ? null : chain.prevout(i.prevTxid, i.vout)!;
        return {
          txid: i.prevTxid,
          vout: i.vout,
          prevout: prev ? output(prev.script, prev.value) : null,
          scriptsig: i.scriptSig,
          scriptsig_asm: '',
          ...(i.witness.length ? { witness: i.witness } : {}),
          is_coinbase: i.coinbase,
          sequence: i.sequence,
        };
      }),
      vout: tx.vout.map((o) => output(o.script, o.value)),
      size: tx.size,
      weight: tx.weight,
      fee: coinbase ? 0 : inValue - outValue,
      status: status(tx),
    };
  };
  const historyOf = (scriptHex: string) => {
    const all = chain.history(scriptHex).map((h) => chain.tx(h.txid)!);
    // Esplora lists newest first.
    const mempool = all.filter((tx) => !tx.block).reverse();
    const confirmed = all.filter((tx) => tx.block).reverse();
    return { mempool, confirmed };
  };

  const send = (res: ServerResponse, code: number, body: string, type = 'text/plain') => {
    res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const json = (res: ServerResponse, body: unknown) => send(res, 200, JSON.stringify(body), 'application/json');

  const route = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    requests.push(path);
    const fault = faults.take();
    if (fault?.mode === 'hang') return; // the socket stays open, no answer
    if (fault?.mode === 'malformed') return send(res, 200, '{"txid": "00', 'application/json');
    if (fault?.mode === 'error') return send(res, 500, 'Internal Server Error');
    if (fault?.mode === 'rate-limit') {
      res.writeHead(429, { 'retry-after': String(fault.retryAfterS ?? 1), 'content-type': 'text/plain' });
      return res.end('Too Many Requests');
    }
    if (req.method !== 'GET') return send(res, 405, 'Method Not Allowed');
    let m: RegExpMatchArray | null;
    if (path === '/blocks/tip/height') return send(res, 200, String(chain.tipHeight));
    if (path === '/blocks/tip/hash') return send(res, 200, chain.blocks.at(-1)!.hash);
    if ((m = path.match(/^\/block-height\/(\d+)$/))) {
      const block = chain.blocks[Number(m[1])];
      return block ? send(res, 200, block.hash) : send(res, 404, 'Block not found');
    }
    if ((m = path.match(/^\/tx\/([0-9a-f]{64})(\/hex|\/status)?$/))) {
      const tx = chain.tx(m[1]!);
      if (!tx) return send(res, 404, 'Transaction not found');
      if (m[2] === '/hex') return send(res, 200, tx.hex);
      if (m[2] === '/status') return json(res, status(tx));
      return json(res, txJson(tx));
    }
    if ((m = path.match(/^\/address\/([^/]+)(\/txs(?:\/(chain|mempool)(?:\/([0-9a-f]{64}))?)?)?$/))) {
      let script: string;
      try {
        script = chain.scriptOf(decodeURIComponent(m[1]!));
      } catch {
        return send(res, 400, 'Invalid Bitcoin address');
      }
      const { mempool, confirmed } = historyOf(script);
      if (!m[2]) {
        const stats = (list: FakeTx[]) => {
          let funded = 0, fundedSum = 0, spent = 0, spentSum = 0;
          for (const tx of list) {
            for (const o of tx.vout) if (o.script === script) (funded++, (fundedSum += o.value));
            for (const i of tx.vin) {
              const prev = i.coinbase ? undefined : chain.prevout(i.prevTxid, i.vout);
              if (prev?.script === script) (spent++, (spentSum += prev.value));
            }
          }
          return { funded_txo_count: funded, funded_txo_sum: fundedSum, spent_txo_count: spent, spent_txo_sum: spentSum, tx_count: list.length };
        };
        return json(res, { address: decodeURIComponent(m[1]!), chain_stats: stats(confirmed), mempool_stats: stats(mempool) });
      }
      if (m[3] === 'mempool') return json(res, mempool.slice(0, 50).map(txJson));
      if (m[3] === 'chain') {
        const after = m[4] ? confirmed.findIndex((tx) => tx.txid === m![4]) + 1 : 0;
        return json(res, confirmed.slice(after, after + pageSize).map(txJson));
      }
      return json(res, [...mempool.slice(0, 50), ...confirmed.slice(0, pageSize)].map(txJson));
    }
    return send(res, 404, 'Not Found');
  };

  const server: Server = createServer(route);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
