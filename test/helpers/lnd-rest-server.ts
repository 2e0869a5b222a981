/**
 * A local stand-in for LND's REST gateway, following the lightning.engineering API reference:
 * GetInfo, AddInvoice, LookupInvoice (hex path), CancelInvoice (v2), SubscribeInvoices (newline-
 * delimited `{"result": Invoice}`), macaroon in `Grpc-Metadata-macaroon`, int64 as strings, bytes as
 * base64, and LND's error bodies `{"code", "message", "details"}` — auth failures as HTTP 500 with
 * code 2, as LND answers them. Its invoices are real BOLT 11 signed by its own node key.
 */
import { createHash, randomBytes } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeBolt11, type Bolt11Field } from '../../src/adapters/lightning/bolt11-encoder.js';
import { compressedPublicKey, nobleSigner } from '../../src/adapters/lightning/bolt11-signers.js';
import type { LndInvoice } from '../../src/adapters/lightning/lnd.js';
import type { Network } from '../../src/validation/types.js';
import type { TestCertificate } from './test-tls.js';

export interface FakeLndOptions {
  tls: TestCertificate;
  macaroonHex: string;
  network?: Network;
  lndNetworkName?: string;
  alias?: string;
}

interface StoredInvoice extends Required<Pick<LndInvoice, 'r_hash' | 'payment_request' | 'state' | 'creation_date' | 'expiry' | 'value_msat' | 'memo'>> {
  settle_date: string;
  amt_paid_msat: string;
  add_index: string;
  settle_index: string;
  payment_addr: string;
  r_preimage: string;
  description_hash?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  macaroon: string | undefined;
  body: unknown;
}

const lndError = (res: ServerResponse, status: number, code: number, message: string) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ code, message, details: [] }));
};

export class FakeLndServer {
  readonly requests: RecordedRequest[] = [];
  readonly nodeKey = Uint8Array.from(randomBytes(32));
  readonly pubkey: string;
  private readonly server: https.Server;
  private readonly invoices = new Map<string, StoredInvoice>();
  private readonly streams = new Set<ServerResponse>();
  private readonly failures: Array<{ path: string; status: number; code: number; message: string }> = [];
  private addIndex = 0;
  private settleIndex = 0;
  /** While true, requests are accepted and never answered. */
  hang = false;
  port = 0;

  constructor(private readonly options: FakeLndOptions) {
    this.pubkey = Buffer.from(compressedPublicKey(this.nodeKey)).toString('hex');
    this.server = https.createServer({ key: options.tls.key, cert: options.tls.cert }, (req, res) => void this.handle(req, res));
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.dropStreams();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next request to `path` answers with LND's error body. */
  failNext(path: string, status: number, code: number, message: string): void {
    this.failures.push({ path, status, code, message });
  }

  /** Ends every open SubscribeInvoices stream (as a restarting LND would). */
  dropStreams(): void {
    for (const res of this.streams) res.destroy();
    this.streams.clear();
  }

  get openStreams(): number {
    return this.streams.size;
  }

  preimageOf(paymentHashHex: string): string | undefined {
    const r = this.invoices.get(paymentHashHex)?.r_preimage;
    return r ? Buffer.from(r, 'base64').toString('hex') : undefined;
  }

  /** An HTLC set arrives and the invoice settles (what a payer's payment does). */
  settle(paymentHashHex: string, amtPaidMsat?: bigint): void {
    const invoice = this.invoices.get(paymentHashHex);
    if (!invoice || invoice.state !== 'OPEN') throw new Error(`fake lnd: cannot settle ${paymentHashHex}`);
    invoice.state = 'SETTLED';
    invoice.settle_date = String(Math.floor(Date.now() / 1000));
    invoice.amt_paid_msat = (amtPaidMsat ?? BigInt(invoice.value_msat)).toString();
    invoice.settle_index = String(++this.settleIndex);
    this.publish(invoice);
  }

  private publish(invoice: StoredInvoice): void {
    for (const res of this.streams) res.write(`${JSON.stringify({ result: invoice })}\n`);
  }

  private async readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const macaroon = req.headers['grpc-metadata-macaroon'] as string | undefined;
    const body = req.method === 'POST' ? await this.readBody(req) : undefined;
    this.requests.push({ method: req.method ?? '', path: url.pathname, macaroon, body });
    if (this.hang) return;
    if (macaroon === undefined) return lndError(res, 500, 2, 'expected 1 macaroon, got 0');
    if (macaroon !== this.options.macaroonHex) {
      return lndError(res, 500, 2, 'verification failed: signature mismatch after caveat verification');
    }
    const failure = this.failures.findIndex((f) => f.path === url.pathname);
    if (failure >= 0) {
      const [f] = this.failures.splice(failure, 1);
      return lndError(res, f!.status, f!.code, f!.message);
    }
    const json = (value: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };

    if (req.method === 'GET' && url.pathname === '/v1/getinfo') {
      return json({
        identity_pubkey: this.pubkey,
        alias: this.options.alias ?? 'fake-lnd',
        version: '0.18.0-beta',
        synced_to_chain: true,
        chains: [{ chain: 'bitcoin', network: this.options.lndNetworkName ?? this.options.network ?? 'regtest' }],
      });
    }
    if (req.method === 'POST' && url.pathname === '/v1/invoices') {
      const added = this.addInvoice(body as Record<string, string>, res);
      return added === undefined ? undefined : json(added);
    }
    if (req.method === 'GET' && url.pathname.startsWith('/v1/invoice/')) {
      const hashHex = url.pathname.slice('/v1/invoice/'.length);
      if (!/^[0-9a-f]{64}$/.test(hashHex)) return lndError(res, 400, 3, 'invalid hash length of 0, want 32');
      const invoice = this.invoices.get(hashHex);
      if (!invoice) return lndError(res, 404, 5, 'unable to locate invoice');
      return json(invoice);
    }
    if (req.method === 'POST' && url.pathname === '/v2/invoices/cancel') {
      const hashHex = Buffer.from(String((body as { payment_hash?: string }).payment_hash ?? ''), 'base64').toString('hex');
      const invoice = this.invoices.get(hashHex);
      if (!invoice) return lndError(res, 404, 5, 'unable to locate invoice');
      if (invoice.state === 'SETTLED') return lndError(res, 500, 2, 'invoice already settled');
      if (invoice.state !== 'CANCELED') {
        invoice.state = 'CANCELED';
        this.publish(invoice);
      }
      return json({});
    }
    if (req.method === 'GET' && url.pathname === '/v1/invoices/subscribe') {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      this.streams.add(res);
      res.on('close', () => this.streams.delete(res));
      return;
    }
    lndError(res, 404, 5, 'Not Found');
  }

  private addInvoice(body: Record<string, string>, res: ServerResponse): unknown {
    if (body.value && body.value_msat) {
      lndError(res, 500, 2, 'value and value_msat are mutually exclusive');
      return undefined;
    }
    const memo = body.memo ?? '';
    if (Buffer.byteLength(memo) > 1024) {
      lndError(res, 500, 2, 'memo too large: 1025 bytes (maxsize=1024)');
      return undefined;
    }
    const preimage = randomBytes(32);
    const paymentHash = createHash('sha256').update(preimage).digest();
    const paymentAddr = randomBytes(32);
    const valueMsat = BigInt(body.value_msat ?? '0') + BigInt(body.value ?? '0') * 1000n;
    const expiry = Number(body.expiry ?? '86400') || 86400;
    const timestamp = Math.floor(Date.now() / 1000);
    const descriptionHash = body.description_hash ? Buffer.from(body.description_hash, 'base64') : undefined;
    const fields: Bolt11Field[] = [
      { tag: 'p', paymentHash },
      descriptionHash ? { tag: 'h', descriptionHash } : { tag: 'd', description: memo },
      { tag: 'x', expirySeconds: expiry },
      { tag: 'c', minFinalCltvExpiry: 80 },
      { tag: '9', featureBits: [8, 14, 17] },
      { tag: 's', paymentSecret: paymentAddr },
    ];
    const bolt11 = encodeBolt11(
      { network: this.options.network ?? 'regtest', amountMsat: valueMsat > 0n ? valueMsat : null, timestamp, fields },
      nobleSigner(this.nodeKey),
    );
    const invoice: StoredInvoice = {
      memo,
      r_hash: paymentHash.toString('base64'),
      r_preimage: preimage.toString('base64'),
      value_msat: valueMsat.toString(),
      creation_date: String(timestamp),
      settle_date: '0',
      expiry: String(expiry),
      payment_request: bolt11,
      state: 'OPEN',
      amt_paid_msat: '0',
      add_index: String(++this.addIndex),
      settle_index: '0',
      payment_addr: paymentAddr.toString('base64'),
      ...(descriptionHash ? { description_hash: descriptionHash.toString('base64') } : {}),
    };
    this.invoices.set(paymentHash.toString('hex'), invoice);
    this.publish(invoice);
    return { r_hash: invoice.r_hash, payment_request: bolt11, add_index: invoice.add_index, payment_addr: invoice.payment_addr };
  }
}
