/**
 * A local Electrum protocol server (JSON-RPC 2.0, one JSON value per line, batches as arrays) over a
 * FakeChain, on TCP or TLS. Implements server.version, server.ping, blockchain.headers.subscribe,
 * blockchain.block.header, blockchain.scripthash.get_history / get_balance,
 * blockchain.transaction.get (raw hex). Counts round trips (lines received) and calls per method.
 */
import { createHash } from 'node:crypto';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { FakeChain } from './fake-chain.js';
import { FaultSwitch } from './faults.js';

export interface ElectrumServer {
  url: string;
  /** lines received: one per single request or batch */
  roundTrips: number;
  /** size of each batch received, in order */
  batchSizes: number[];
  calls: Map<string, number>;
  connections: number;
  faults: FaultSwitch;
  /** Sends a headers.subscribe notification with the current tip to subscribed clients. */
  announceTip(): void;
  close(): Promise<void>;
}

function scripthash(scriptHex: string): string {
  return Buffer.from(createHash('sha256').update(Buffer.from(scriptHex, 'hex')).digest()).reverse().toString('hex');
}

class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startElectrumServer(chain: FakeChain, options: { tls?: { key: string; cert: string } } = {}): Promise<ElectrumServer> {
  const faults = new FaultSwitch();
  const sockets = new Set<Socket>();
  const subscribed = new Set<Socket>();
  const scripts = new Map<string, string>(); // scripthash → script hex, learnt lazily

  const lookupScript = (hash: string): string | undefined => {
    if (scripts.has(hash)) return scripts.get(hash);
    // Index every script the chain has seen (cheap at test sizes).
    for (const block of [...chain.blocks]) {
      for (const txid of [...block.txids]) for (const o of chain.tx(txid)!.vout) scripts.set(scripthash(o.script), o.script);
    }
    for (const txid of chain.mempool) for (const o of chain.tx(txid)!.vout) scripts.set(scripthash(o.script), o.script);
    return scripts.get(hash);
  };
  const tipHeader = () => ({ height: chain.tipHeight, hex: Buffer.from(chain.blocks.at(-1)!.header).toString('hex') });

  const handlers: Record<string, (params: unknown[], socket: Socket) => unknown> = {
    'server.version': (params) => {
      if (typeof params[0] !== 'string') throw new RpcError(1, 'client name must be a string');
      return ['FakeElectrum 1.0', '1.4'];
    },
    'server.ping': () => null,
    'blockchain.headers.subscribe': (_params, socket) => {
      subscribed.add(socket);
      return tipHeader();
    },
    'blockchain.block.header': (params) => {
      const block = chain.blocks[params[0] as number];
      if (!block) throw new RpcError(1, `height ${String(params[0])} out of range`);
      return Buffer.from(block.header).toString('hex');
    },
    'blockchain.scripthash.get_history': (params) => {
      const script = lookupScript(String(params[0]));
      if (!script) return [];
      return chain.history(script).map(({ txid, height }) => {
        if (height !== null) return { tx_hash: txid, height };
        const tx = chain.tx(txid)!;
        const fee = tx.vin.reduce((s, i) => s + chain.prevout(i.prevTxid, i.vout)!.value, 0) - tx.vout.reduce((s, o) => s + o.value, 0);
        return { tx_hash: txid, height: chain.hasUnconfirmedParent(txid) ? -1 : 0, fee };
      });
    },
    'blockchain.scripthash.get_balance': (params) => {
      const script = lookupScript(String(params[0]));
      let confirmed = 0;
      let unconfirmed = 0;
      for (const { txid, height } of script ? chain.history(script) : []) {
        const tx = chain.tx(txid)!;
        let delta = 0;
        for (const o of tx.vout) if (o.script === script) delta += o.value;
        for (const i of tx.vin) {
          const prev = i.coinbase ? undefined : chain.prevout(i.prevTxid, i.vout);
          if (prev && prev.script === script) delta -= prev.value;
        }
        if (height === null) unconfirmed += delta;
        else confirmed += delta;
      }
      return { confirmed, unconfirmed };
    },
    'blockchain.transaction.get': (params) => {
      if (params[1] === true) throw new RpcError(2, 'verbose transactions are not supported');
      const tx = chain.tx(String(params[0]));
      if (!tx) throw new RpcError(2, `No such mempool or blockchain transaction. Use gettransaction for wallet transactions.`);
      return tx.hex;
    },
  };

  const server: ElectrumServer = {
    url: '',
    roundTrips: 0,
    batchSizes: [],
    calls: new Map(),
    connections: 0,
    faults,
    announceTip() {
      const line = `${JSON.stringify({ jsonrpc: '2.0', method: 'blockchain.headers.subscribe', params: [tipHeader()] })}\n`;
      for (const socket of subscribed) socket.write(line);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        listener.close(() => resolve());
      }),
  };

  const answer = (request: unknown, socket: Socket, fault: ReturnType<FaultSwitch['take']>): unknown => {
    const { id, method, params } = (request ?? {}) as { id?: unknown; method?: unknown; params?: unknown };
    server.calls.set(String(method), (server.calls.get(String(method)) ?? 0) + 1);
    if (fault?.mode === 'error') return { jsonrpc: '2.0', id, error: { code: -32603, message: 'internal error' } };
    const handler = typeof method === 'string' ? handlers[method] : undefined;
    if (!handler) return { jsonrpc: '2.0', id, error: { code: -32601, message: `unknown method "${String(method)}"` } };
    try {
      return { jsonrpc: '2.0', id, result: handler(Array.isArray(params) ? params : [], socket) };
    } catch (error) {
      const e = error as RpcError;
      return { jsonrpc: '2.0', id, error: { code: e.code ?? 1, message: e.message } };
    }
  };

  const onConnection = (socket: Socket) => {
    server.connections++;
    sockets.add(socket);
    socket.on('close', () => (sockets.delete(socket), subscribed.delete(socket)));
    socket.on('error', () => socket.destroy());
    socket.setEncoding('utf8');
    let buffer = '';
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!line.trim()) continue;
        server.roundTrips++;
        const fault = faults.take();
        if (fault?.mode === 'hang') continue;
        if (fault?.mode === 'disconnect') return void socket.destroy();
        if (fault?.mode === 'malformed') {
          socket.write('{"jsonrpc": "2.0", "id": 1, "result": [\n');
          continue;
        }
        let message: unknown;
        try {
          message = JSON.parse(line);
        } catch {
          socket.write(`${JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } })}\n`);
          continue;
        }
        const reply = Array.isArray(message) ? (server.batchSizes.push(message.length), message.map((m) => answer(m, socket, fault))) : (server.batchSizes.push(1), answer(message, socket, fault));
        socket.write(`${JSON.stringify(reply)}\n`);
      }
    });
  };

  const listener: Server = options.tls ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, onConnection) : createNetServer(onConnection);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as AddressInfo;
  server.url = `${options.tls ? 'ssl' : 'tcp'}://127.0.0.1:${port}`;
  return server;
}
