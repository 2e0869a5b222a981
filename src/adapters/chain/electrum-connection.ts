/**
 * One Electrum protocol connection: newline-delimited JSON-RPC 2.0 over TCP or TLS, with batches
 * (a JSON array per line, answered by an array matched by id). Knows nothing of retries: a broken,
 * timed-out or garbled connection fails every pending call and is thrown away; the backend opens a
 * new one on the next call.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { ChainProtocolError } from '../../domain/wallets/chain.js';
import { TransientChainError } from './resilience.js';

export interface RpcCall {
  method: string;
  params: unknown[];
}

export interface ElectrumEndpoint {
  host: string;
  port: number;
  tls: boolean;
}

/** A call the server answered with a JSON-RPC error object (e.g. unknown transaction). */
export class ElectrumRpcError extends ChainProtocolError {
  constructor(
    method: string,
    readonly rpcCode: unknown,
    rpcMessage: string,
  ) {
    super(`electrum ${method}: ${rpcMessage}`);
    this.name = 'ElectrumRpcError';
  }
}

interface Pending {
  method: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** Longest line accepted from a server before it counts as garbage (a 4 MB block-sized tx is ~8 MB hex). */
const MAX_LINE = 64 * 1024 * 1024;

export function parseElectrumUrl(url: string): ElectrumEndpoint {
  const parsed = new URL(url);
  const tls = parsed.protocol === 'ssl:' || parsed.protocol === 'tls:';
  if (!tls && parsed.protocol !== 'tcp:') throw new Error(`electrum: expected tcp:// or ssl:// URL, got ${parsed.protocol}`);
  const port = Number(parsed.port || (tls ? 50002 : 50001));
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port, tls };
}

export class ElectrumConnection {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private buffer = '';
  private closedError: Error | undefined;
  /** Newest tip announced by blockchain.headers.subscribe notifications. */
  tipHeight: number | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (error) => this.fail(new TransientChainError(`electrum connection: ${(error as NodeJS.ErrnoException).code ?? error.message}`, undefined, { cause: error })));
    socket.on('close', () => this.fail(new TransientChainError('electrum connection closed by the server')));
  }

  static open(endpoint: ElectrumEndpoint, tlsOptions: ConnectionOptions, signal: AbortSignal): Promise<ElectrumConnection> {
    return new Promise((resolve, reject) => {
      const socket = endpoint.tls
        ? tlsConnect({ host: endpoint.host, port: endpoint.port, servername: endpoint.host, ...tlsOptions })
        : netConnect({ host: endpoint.host, port: endpoint.port });
      const onAbort = () => {
        socket.destroy();
        reject(new TransientChainError(`electrum connect to ${endpoint.host}:${endpoint.port} aborted`));
      };
      const onError = (error: NodeJS.ErrnoException) => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        reject(new TransientChainError(`electrum connect to ${endpoint.host}:${endpoint.port}: ${error.code ?? error.message}`, undefined, { cause: error }));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('error', onError);
      socket.once(endpoint.tls ? 'secureConnect' : 'connect', () => {
        signal.removeEventListener('abort', onAbort);
        socket.off('error', onError);
        resolve(new ElectrumConnection(socket));
      });
    });
  }

  get alive(): boolean {
    return this.closedError === undefined;
  }

  /** Sends the calls as one line (an array when more than one) and answers in call order. */
  batch(calls: readonly RpcCall[], signal: AbortSignal): Promise<unknown[]> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (calls.length === 0) return Promise.resolve([]);
    const requests = calls.map((call) => ({ jsonrpc: '2.0', id: this.nextId++, method: call.method, params: call.params }));
    const answers = requests.map(
      (request) =>
        new Promise<unknown>((resolve, reject) => this.pending.set(request.id, { method: request.method, resolve, reject })),
    );
    const onAbort = () => {
      // The answers may still come, or never: a timed-out connection is not trusted again.
      this.destroy(new TransientChainError('electrum request aborted (timeout)'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.socket.write(`${JSON.stringify(requests.length === 1 ? requests[0] : requests)}\n`);
    return Promise.all(answers).finally(() => signal.removeEventListener('abort', onAbort));
  }

  destroy(error: Error = new TransientChainError('electrum connection closed')): void {
    this.fail(error);
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line) this.onLine(line);
      if (this.closedError) return;
    }
    if (this.buffer.length > MAX_LINE) this.destroy(new ChainProtocolError('electrum: answer line exceeds 64 MB'));
  }

  private onLine(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch (error) {
      this.destroy(new ChainProtocolError(`electrum: malformed JSON ${JSON.stringify(line.slice(0, 60))}`, { cause: error }));
      return;
    }
    for (const item of Array.isArray(message) ? message : [message]) this.onMessage(item);
  }

  private onMessage(message: unknown): void {
    if (typeof message !== 'object' || message === null) {
      this.destroy(new ChainProtocolError('electrum: a message that is not a JSON object'));
      return;
    }
    const { id, result, error, method, params } = message as Record<string, unknown>;
    if (id === undefined || id === null) {
      // Notification (no id): only the tip matters here.
      if (method === 'blockchain.headers.subscribe' && Array.isArray(params)) {
        const height = (params[0] as { height?: unknown } | undefined)?.height;
        if (Number.isSafeInteger(height)) this.tipHeight = height as number;
      }
      return;
    }
    const pending = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (!pending) {
      this.destroy(new ChainProtocolError(`electrum: answer to unknown request id ${JSON.stringify(id)}`));
      return;
    }
    this.pending.delete(id as number);
    if (error !== undefined && error !== null) {
      const e = error as { code?: unknown; message?: unknown };
      pending.reject(new ElectrumRpcError(pending.method, e.code, typeof e.message === 'string' ? e.message : JSON.stringify(error)));
    } else if (!('result' in (message as object))) {
      pending.reject(new ChainProtocolError(`electrum ${pending.method}: answer without result`));
    } else {
      pending.resolve(result);
    }
  }

  private fail(error: Error): void {
    if (this.closedError) return;
    this.closedError = error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
