/**
 * Transport for LND's REST gateway: HTTPS with the node's own certificate pinned, the macaroon in
 * `Grpc-Metadata-macaroon`, JSON in and out, newline-delimited JSON streams, and every failure turned
 * into a typed Lightning error. Idempotent GETs get a per-attempt timeout and one retry (cockatiel);
 * writes get the timeout only, so an invoice is never created twice by a retry.
 */
import { X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import {
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  handleWhen,
  retry,
  timeout,
  type RetryPolicy,
} from 'cockatiel';
import {
  LightningAuthError,
  LightningBackendError,
  LightningError,
  LightningTlsError,
  LightningUnavailableError,
} from '../../domain/lightning/errors.js';

export interface LndRestClientOptions {
  /** e.g. https://127.0.0.1:8080 */
  restUrl: string;
  macaroonHex: string;
  /** PEM of LND's tls.cert (LND_TLS_CERT_PATH's content); without it the system CAs are trusted. */
  tlsCertPem?: string;
  /** Per attempt; default 10 s. */
  timeoutMs?: number;
  /** Extra attempts for idempotent GETs; default 1. */
  getRetries?: number;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'ERR_SOCKET_CLOSED',
]);
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_LND_CERT_NOT_PINNED',
  'EPROTO',
]);
// LND answers most gRPC errors as HTTP 500 with code 2, so auth and readiness show only in the message.
const AUTH_MESSAGE = /verification failed|cannot determine data from macaroon|expected 1 macaroon|invalid macaroon|macaroon (?:has )?expired|permission denied|unable to (?:decode|unmarshal) macaroon/i;
const NOT_READY_MESSAGE = /wallet locked|in the process of starting|not yet ready|still (?:syncing|starting)|rpc server is not active|waiting to start/i;
const GRPC_UNAUTHENTICATED = 16;
const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNAVAILABLE = 14;

/** LND's error body: `{"code": 2, "message": "...", "details": []}` (older: `{"error": "...", "code": 2}`). */
export interface LndErrorBody {
  code?: number;
  message?: string;
  error?: string;
  details?: unknown[];
}

export function parseLndError(text: string): { message: string; grpcCode?: number } {
  try {
    const body = JSON.parse(text) as LndErrorBody | { error?: LndErrorBody };
    const inner = typeof (body as { error?: unknown }).error === 'object' ? ((body as { error: LndErrorBody }).error) : (body as LndErrorBody);
    const message = inner.message || (typeof inner.error === 'string' ? inner.error : '') || text;
    return typeof inner.code === 'number' ? { message, grpcCode: inner.code } : { message };
  } catch {
    return { message: text.trim().slice(0, 200) || 'empty answer' };
  }
}

/** The typed error for an HTTP answer that is not 2xx. */
export function lndHttpError(status: number, text: string): LightningError {
  const { message, grpcCode } = parseLndError(text);
  if (status === 401 || status === 403 || grpcCode === GRPC_UNAUTHENTICATED || grpcCode === GRPC_PERMISSION_DENIED || AUTH_MESSAGE.test(message)) {
    return new LightningAuthError(message);
  }
  if (status === 503 || status === 429 || grpcCode === GRPC_UNAVAILABLE || NOT_READY_MESSAGE.test(message)) {
    return new LightningUnavailableError(message);
  }
  return new LightningBackendError(message, { status, ...(grpcCode === undefined ? {} : { grpcCode }) });
}

function transportError(error: unknown, url: string): LightningError {
  if (error instanceof LightningError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (TLS_CODES.has(code) || /certificate|ssl|tls/i.test(message)) return new LightningTlsError(`${code || message} at ${url}`, { cause: error });
  if (UNREACHABLE_CODES.has(code)) return new LightningUnavailableError(`${code} at ${url}`, { cause: error });
  return new LightningUnavailableError(`${message} at ${url}`, { cause: error });
}

/** Exact-certificate pinning when the file holds one self-signed certificate (LND's own tls.cert). */
function pinnedIdentityCheck(pem: string): ((host: string, cert: PeerCertificate) => Error | undefined) | undefined {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length !== 1) return undefined;
  const pinned = new X509Certificate(blocks[0] ?? '');
  if (!pinned.checkIssued(pinned)) return undefined;
  return (host, cert) => {
    if (!cert.raw || !pinned.raw.equals(cert.raw)) {
      return Object.assign(new Error('the node presented a certificate other than the pinned one'), { code: 'ERR_LND_CERT_NOT_PINNED' });
    }
    return checkServerIdentity(host, cert);
  };
}

export interface LndStream {
  close(): void;
}

export class LndRestClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly getPolicy: RetryPolicy;

  constructor(options: LndRestClientOptions) {
    this.base = new URL(options.restUrl);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.headers = { 'Grpc-Metadata-macaroon': options.macaroonHex, accept: 'application/json' };
    if (this.base.protocol === 'https:') {
      const checkIdentity = options.tlsCertPem ? pinnedIdentityCheck(options.tlsCertPem) : undefined;
      this.agent = new https.Agent({
        keepAlive: true,
        maxSockets: 16,
        ...(options.tlsCertPem ? { ca: options.tlsCertPem } : {}),
        ...(checkIdentity ? { checkServerIdentity: checkIdentity } : {}),
      });
    } else {
      this.agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    }
    this.getPolicy = retry(
      handleWhen((error) => error instanceof LightningUnavailableError),
      { maxAttempts: options.getRetries ?? 1, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1_000 }) },
    );
  }

  private url(path: string): URL {
    return new URL(path.replace(/^\//, ''), this.base.href.endsWith('/') ? this.base.href : `${this.base.href}/`);
  }

  private send(method: string, path: string, body: unknown, signal: AbortSignal): Promise<unknown> {
    const url = this.url(path);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(
        url,
        {
          method,
          agent: this.agent,
          signal,
          headers: {
            ...this.headers,
            ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', (error) => reject(transportError(error, url.origin)));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = response.statusCode ?? 0;
            if (status < 200 || status >= 300) return reject(lndHttpError(status, text));
            try {
              resolve(text ? (JSON.parse(text) as unknown) : {});
            } catch (error) {
              reject(new LightningBackendError(`answer to ${method} ${url.pathname} is not JSON`, { status }, { cause: error }));
            }
          });
        },
      );
      request.on('error', (error) => reject(signal.aborted ? this.timedOut(error) : transportError(error, url.origin)));
      if (payload !== undefined) request.write(payload);
      request.end();
    });
  }

  private timedOut(cause: unknown): LightningUnavailableError {
    return new LightningUnavailableError(`no answer from ${this.base.origin} within ${this.timeoutMs} ms`, { cause });
  }

  private async withTimeout(method: string, path: string, body?: unknown): Promise<unknown> {
    const policy = timeout(this.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
    try {
      return await policy.execute(({ signal }) => this.send(method, path, body, signal));
    } catch (error) {
      // Whichever lands first: cockatiel's cancellation or the aborted request's own error.
      if (error instanceof TaskCancelledError || (error as Error | undefined)?.name === 'AbortError') throw this.timedOut(error);
      throw error;
    }
  }

  /** GETs are idempotent: timed out or unreachable attempts are retried once. */
  get<T>(path: string): Promise<T> {
    return this.getPolicy.execute(() => this.withTimeout('GET', path)) as Promise<T>;
  }

  /** Not retried: LND would create a second invoice. */
  post<T>(path: string, body: unknown): Promise<T> {
    return this.withTimeout('POST', path, body) as Promise<T>;
  }

  /**
   * Opens a newline-delimited JSON stream (`{"result": …}` / `{"error": …}` per line). `onEnd` is
   * called once, with the error when the stream failed; not after close().
   */
  stream(path: string, handlers: { onMessage(message: unknown): void; onEnd(error?: LightningError): void }): LndStream {
    const url = this.url(path);
    const transport = url.protocol === 'https:' ? https : http;
    const controller = new AbortController();
    let ended = false;
    const end = (error?: LightningError) => {
      if (ended || controller.signal.aborted) return;
      ended = true;
      handlers.onEnd(error);
    };
    const request = transport.request(url, { method: 'GET', agent: this.agent, signal: controller.signal, headers: this.headers }, (response) => {
      const status = response.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => end(lndHttpError(status, Buffer.concat(chunks).toString('utf8'))));
        return;
      }
      let buffered = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (!line) continue;
          let message: unknown;
          try {
            message = JSON.parse(line);
          } catch (error) {
            end(new LightningBackendError(`stream ${url.pathname} sent a line that is not JSON`, { status }, { cause: error }));
            controller.abort();
            return;
          }
          const streamError = (message as { error?: unknown }).error;
          if (streamError) {
            end(lndHttpError(status, JSON.stringify(streamError)));
            controller.abort();
            return;
          }
          handlers.onMessage(message);
        }
      });
      response.on('error', (error) => end(transportError(error, url.origin)));
      response.on('end', () => end(new LightningUnavailableError(`stream ${url.pathname} ended`)));
    });
    // A stream has no overall timeout, only one for the connection to open.
    request.setTimeout(this.timeoutMs, () => request.destroy(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' })));
    request.on('response', () => request.setTimeout(0));
    request.on('error', (error) => end(transportError(error, url.origin)));
    request.end();
    return { close: () => controller.abort() };
  }

  close(): void {
    this.agent.destroy();
  }
}
