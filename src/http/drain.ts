/**
 * Graceful stop of the listening HTTP server (issue 9: a rolling restart behind nginx loses no request).
 *
 * Fastify's own close is not enough behind a proxy that pools keep-alive connections: Node's
 * `server.close()` destroys idle keep-alive sockets at once, and Fastify answers requests that still
 * arrive on busy ones with 503 (`return503OnClosing`). nginx may be writing a request onto such a
 * socket at that very moment; it retries a GET elsewhere, but never a POST that reached the upstream
 * (proxy_next_upstream refuses non-idempotent retries, cached connections included), so the client
 * would get a 502 or 503. The race-free order is:
 *
 * 1. stop accepting (new connections are refused: nginx retries them on another instance, any method,
 *    since nothing was sent);
 * 2. keep serving requests on open connections, each answer with `Connection: close`, so the proxy
 *    itself drops the connection after reading it;
 * 3. let the proxy close idle pooled connections (its upstream `keepalive_timeout`, 4 s in
 *    deploy/nginx/satchel.conf) for up to `idleWaitMs`; only then close what is left;
 * 4. wait for requests still in flight, then the caller closes the app (jobs, database, Redis).
 *
 * Only connections from the proxy (TRUST_PROXY) get that wait; other idle ones (health probes, direct
 * clients, which retry a request on a reused connection that closes) are closed at once, as Node does.
 * Server-Sent Events streams never end by themselves: they are ended at once (EventSource reconnects,
 * through the proxy, to another instance).
 */
import { BlockList, isIP, Server as NetServer, type Socket } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** proxy-addr's names (TRUST_PROXY accepts them, see src/config.ts). */
const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** A predicate over peer addresses for TRUST_PROXY's entries (addresses, CIDRs, names). */
export function peerMatcher(entries: readonly string[]): (address: string | undefined) => boolean {
  const list = new BlockList();
  for (const entry of entries.flatMap((e) => NAMED_RANGES[e] ?? [e])) {
    const [address = '', prefix] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return (address) => {
    if (!address) return false;
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    return v4 ? list.check(v4, 'ipv4') : list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  };
}

export interface DrainOptions {
  /**
   * How long idle keep-alive connections from the proxy are left for it to close: must exceed the
   * proxy's upstream keepalive_timeout. 0 closes every idle connection at once.
   */
  idleWaitMs: number;
  /** Which peers are the proxy (their idle connections get idleWaitMs); default none. */
  isProxy?: (address: string | undefined) => boolean;
  /** After that, how long requests still running may take before the caller goes on anyway. */
  inFlightWaitMs: number;
}

export interface DrainResult {
  /** Every connection ended by itself (false: the waits ran out). */
  clean: boolean;
  ms: number;
}

export interface HttpDrainer {
  readonly draining: boolean;
  drain(options: DrainOptions): Promise<DrainResult>;
}

const isEventStream = (request: IncomingMessage) => (request.headers.accept ?? '').includes('text/event-stream');

/** Watches `server` from now on (call it right after listen); `drain()` stops it gracefully once. */
export function httpDrainer(server: Server): HttpDrainer {
  let draining = false;
  const streams = new Set<ServerResponse>();
  /** Open connections and how many requests each is serving (0 = idle keep-alive). */
  const connections = new Map<Socket, number>();
  const inFlight = new Set<ServerResponse>();
  server.on('connection', (socket: Socket) => {
    connections.set(socket, 0);
    socket.once('close', () => connections.delete(socket));
  });
  // Prepended so it runs before Fastify's handler: the header is set before any route answers.
  server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    if (draining && !response.headersSent) response.setHeader('connection', 'close');
    const socket = request.socket;
    inFlight.add(response);
    if (connections.has(socket)) connections.set(socket, connections.get(socket)! + 1);
    response.once('close', () => {
      inFlight.delete(response);
      if (connections.has(socket)) connections.set(socket, Math.max(0, connections.get(socket)! - 1));
    });
    if (isEventStream(request)) {
      streams.add(response);
      response.once('close', () => streams.delete(response));
    }
  });
  const endStreams = () => {
    for (const stream of streams) if (stream.headersSent && !stream.writableEnded) stream.end();
  };

  return {
    get draining() {
      return draining;
    },
    async drain(options) {
      const started = Date.now();
      draining = true;
      // Requests already running close their connection too, once answered.
      for (const response of inFlight) if (!response.headersSent) response.setHeader('connection', 'close');
      // net.Server's close, not http.Server's: that one would also destroy idle keep-alive sockets now.
      const allClosed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      if (options.idleWaitMs <= 0) server.closeIdleConnections();
      else {
        const isProxy = options.isProxy ?? (() => false);
        for (const [socket, active] of connections) if (active === 0 && !isProxy(socket.remoteAddress)) socket.destroy();
      }
      endStreams();
      // A stream that began on a kept-alive connection just before its headers went out is ended on a later tick.
      const streamSweep = setInterval(endStreams, 100);
      try {
        if (await settlesWithin(allClosed, options.idleWaitMs)) return { clean: true, ms: Date.now() - started };
        server.closeIdleConnections();
        const clean = await settlesWithin(allClosed, options.inFlightWaitMs);
        return { clean, ms: Date.now() - started };
      } finally {
        clearInterval(streamSweep);
      }
    },
  };
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
