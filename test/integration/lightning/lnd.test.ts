import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LndBackend } from '../../../src/adapters/lightning/lnd.js';
import { parseLndError } from '../../../src/adapters/lightning/lnd-rest-client.js';
import type { SettlementEvent } from '../../../src/domain/lightning/backend.js';
import {
  LightningAuthError,
  LightningBackendError,
  LightningInvoiceNotFoundError,
  LightningInvoiceStateError,
  LightningTlsError,
  LightningUnavailableError,
} from '../../../src/domain/lightning/errors.js';
import { decodeBolt11 } from '../../../src/validation/bolt11.js';
import { decodeIndependently } from '../../helpers/bolt11-independent.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { FakeLndServer } from '../../helpers/lnd-rest-server.js';
import { selfSignedCertificate, type TestCertificate } from '../../helpers/test-tls.js';

const MACAROON = '0201036c6e6402f801030a10' + 'ab'.repeat(40);

let dir: string;
let certA: TestCertificate;
let certB: TestCertificate;
let certPathA: string;
let lnd: FakeLndServer;
const backends: LndBackend[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'satchel-lnd-'));
  certA = selfSignedCertificate('a');
  certB = selfSignedCertificate('b');
  certPathA = join(dir, 'tls.cert');
  await writeFile(certPathA, certA.cert);
  lnd = await new FakeLndServer({ tls: certA, macaroonHex: MACAROON, network: 'regtest' }).start();
});
afterAll(async () => {
  await lnd.stop();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(backends.splice(0).map((b) => b.close()));
});

async function backend(overrides: Partial<Parameters<typeof LndBackend.open>[0]> = {}): Promise<LndBackend> {
  const b = await LndBackend.open({ restUrl: lnd.url, macaroonHex: MACAROON, tlsCertPath: certPathA, timeoutMs: 2_000, ...overrides });
  backends.push(b);
  return b;
}

function nextEvent(b: LndBackend, predicate: (e: SettlementEvent) => boolean): Promise<SettlementEvent> {
  return new Promise((resolve) => {
    const stop = b.subscribeSettlements((event) => {
      if (predicate(event)) {
        stop();
        resolve(event);
      }
    });
  });
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('LND REST backend against a local LND REST server', () => {
  it('reads node info with the macaroon header', async () => {
    const b = await backend();
    expect(await b.nodeInfo()).toEqual({ backend: 'lnd', pubkey: lnd.pubkey, alias: 'fake-lnd', network: 'regtest' });
    const request = lnd.requests.find((r) => r.path === '/v1/getinfo');
    expect(request?.macaroon).toBe(MACAROON);
  });

  it('creates, looks up and sees the settlement through the invoice stream', async () => {
    const b = await backend();
    const invoice = await b.createInvoice({ amountMsat: 150_000n, memo: 'lnd coffee', expirySeconds: 900 });
    const sent = lnd.requests.find((r) => r.path === '/v1/invoices')?.body;
    expect(sent).toEqual({ memo: 'lnd coffee', expiry: '900', value_msat: '150000' });

    const decoded = decodeIndependently(invoice.bolt11);
    expect(decoded.payeePubkey).toBe(lnd.pubkey);
    expect(decoded.paymentHash).toBe(invoice.paymentHash);
    expect(decoded.paymentSecret).toBe(invoice.paymentSecret);
    expect(decoded.amountMsat).toBe(150_000n);
    expect(decodeBolt11(invoice.bolt11)).toMatchObject({ ok: true, value: { payee: lnd.pubkey, network: 'regtest', amountMsat: 150_000n } });
    expect(invoice.createdAt.getTime()).toBe(decoded.timestamp * 1000);
    expect(invoice.expiresAt.getTime() - invoice.createdAt.getTime()).toBe(900_000);
    expect(invoice.paymentHash).toBe(createHash('sha256').update(Buffer.from(lnd.preimageOf(invoice.paymentHash)!, 'hex')).digest('hex'));

    expect(await b.lookupInvoice(invoice.paymentHash)).toEqual({ status: 'pending' });
    const settled = nextEvent(b, (e) => e.paymentHash === invoice.paymentHash);
    await waitFor(() => lnd.openStreams > 0);
    lnd.settle(invoice.paymentHash, 151_000n);
    const event = await settled;
    expect(event).toMatchObject({ paymentHash: invoice.paymentHash, status: 'paid', amountPaidMsat: 151_000n });
    expect(event.settledAt).toBeInstanceOf(Date);
    const lookup = await b.lookupInvoice(invoice.paymentHash);
    expect(lookup).toEqual({ status: 'paid', settledAt: event.settledAt, amountPaidMsat: 151_000n });
  });

  it('re-opens the invoice stream when LND drops it', async () => {
    const b = await backend({ resubscribeDelayMs: 20 });
    const invoice = await b.createInvoice({ amountMsat: 1_000n });
    const errors: Error[] = [];
    const events: SettlementEvent[] = [];
    const stop = b.subscribeSettlements((e) => events.push(e), (e) => errors.push(e));
    await waitFor(() => lnd.openStreams > 0);
    lnd.dropStreams();
    await waitFor(() => errors.length > 0 && lnd.openStreams > 0);
    expect(errors[0]).toBeInstanceOf(LightningUnavailableError);
    lnd.settle(invoice.paymentHash);
    await waitFor(() => events.some((e) => e.paymentHash === invoice.paymentHash));
    stop();
  });

  it('makes a zero-amount invoice without value_msat and hashes a memo too long for d', async () => {
    const b = await backend();
    const before = lnd.requests.length;
    const any = await b.createInvoice({ memo: 'anything' });
    expect(any.amountMsat).toBeNull();
    expect(decodeIndependently(any.bolt11).amountMsat).toBeNull();
    const long = 'z'.repeat(700);
    const hashed = await b.createInvoice({ amountMsat: 1_000, memo: long });
    const bodies = lnd.requests.slice(before).filter((r) => r.path === '/v1/invoices').map((r) => r.body as Record<string, string>);
    expect(bodies[0]).not.toHaveProperty('value_msat');
    const hash = createHash('sha256').update(long).digest();
    expect(bodies[1]?.description_hash).toBe(hash.toString('base64'));
    expect(hashed.descriptionHash).toBe(hash.toString('hex'));
    expect(decodeIndependently(hashed.bolt11).descriptionHash).toBe(hash.toString('hex'));
  });

  it('cancels an open invoice; a settled one cannot be canceled; unknown hashes are not found', async () => {
    const b = await backend();
    const open = await b.createInvoice({ amountMsat: 2_000n });
    await b.cancelInvoice(open.paymentHash);
    expect(await b.lookupInvoice(open.paymentHash)).toEqual({ status: 'canceled' });
    const paid = await b.createInvoice({ amountMsat: 2_000n });
    lnd.settle(paid.paymentHash);
    await expect(b.cancelInvoice(paid.paymentHash)).rejects.toBeInstanceOf(LightningInvoiceStateError);
    await expect(b.lookupInvoice('11'.repeat(32))).rejects.toBeInstanceOf(LightningInvoiceNotFoundError);
  });

  it('reads an open invoice past its expiry as expired', async () => {
    const clock = new FakeClock(Date.now());
    const b = await backend({ clock });
    const invoice = await b.createInvoice({ amountMsat: 1_000n, expirySeconds: 60 });
    expect((await b.lookupInvoice(invoice.paymentHash)).status).toBe('pending');
    await clock.advance(61_000);
    expect((await b.lookupInvoice(invoice.paymentHash)).status).toBe('expired');
  });
});

describe('LND REST errors', () => {
  it('a wrong macaroon is an auth error (502) that names LND_MACAROON_HEX and carries LND message', async () => {
    const b = await backend({ macaroonHex: 'deadbeef' });
    const error = await b.nodeInfo().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LightningAuthError);
    expect((error as LightningAuthError).status).toBe(502);
    expect((error as Error).message).toContain('verification failed: signature mismatch after caveat verification');
    expect((error as Error).message).toContain('LND_MACAROON_HEX');
    expect((error as Error).message).not.toContain('deadbeef');
  });

  it('LND error bodies become the message; "wallet locked" is unavailable (503)', async () => {
    const b = await backend();
    lnd.failNext('/v1/invoices', 500, 2, 'unable to add invoice: database is full');
    const error = await b.createInvoice({ amountMsat: 1_000n }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LightningBackendError);
    expect((error as Error).message).toBe('Lightning node error: unable to add invoice: database is full');
    expect((error as LightningBackendError).upstream).toEqual({ status: 500, grpcCode: 2 });

    lnd.failNext('/v1/getinfo', 500, 2, 'wallet locked, unlock it to enable full RPC access');
    lnd.failNext('/v1/getinfo', 500, 2, 'wallet locked, unlock it to enable full RPC access');
    const locked = await b.nodeInfo().catch((e: unknown) => e);
    expect(locked).toBeInstanceOf(LightningUnavailableError);
    expect((locked as LightningUnavailableError).status).toBe(503);
  });

  it('retries an idempotent GET once but never a POST', async () => {
    const b = await backend();
    lnd.failNext('/v1/getinfo', 503, 14, 'server is still in the process of starting');
    expect((await b.nodeInfo()).pubkey).toBe(lnd.pubkey);
    const before = lnd.requests.filter((r) => r.path === '/v1/invoices').length;
    lnd.failNext('/v1/invoices', 503, 14, 'server is still in the process of starting');
    await expect(b.createInvoice({ amountMsat: 1_000n })).rejects.toBeInstanceOf(LightningUnavailableError);
    expect(lnd.requests.filter((r) => r.path === '/v1/invoices').length - before).toBe(1);
  });

  it('a node that is down is unavailable (503) at once', async () => {
    const port = await freePort();
    const b = await backend({ restUrl: `https://127.0.0.1:${port}` });
    const started = Date.now();
    const error = await b.nodeInfo().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LightningUnavailableError);
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('a node that accepts but never answers is unavailable within the timeout', async () => {
    const b = await backend({ timeoutMs: 250, getRetries: 1 });
    lnd.hang = true;
    try {
      const started = Date.now();
      const error = await b.nodeInfo().catch((e: unknown) => e);
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(LightningUnavailableError);
      expect((error as Error).message).toContain('within 250 ms');
      // two attempts of 250 ms and a backoff of ~100 ms
      expect(elapsed).toBeGreaterThanOrEqual(450);
      expect(elapsed).toBeLessThan(1_500);
    } finally {
      lnd.hang = false;
    }
  });

  it('a certificate other than the pinned one is refused before any request is sent', async () => {
    const pinnedB = join(dir, 'other.cert');
    await writeFile(pinnedB, certB.cert);
    const b = await backend({ tlsCertPath: pinnedB });
    const before = lnd.requests.length;
    const error = await b.nodeInfo().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LightningTlsError);
    expect((error as LightningTlsError).status).toBe(502);
    expect((error as Error).message).toContain('LND_TLS_CERT_PATH');
    expect(lnd.requests.length).toBe(before);
  });

  it('without a pinned certificate the self-signed node is refused', async () => {
    const b = await backend({ tlsCertPath: undefined });
    await expect(b.nodeInfo()).rejects.toBeInstanceOf(LightningTlsError);
  });

  it('a missing or garbled certificate file stops start-up naming LND_TLS_CERT_PATH', async () => {
    await expect(LndBackend.open({ restUrl: lnd.url, macaroonHex: MACAROON, tlsCertPath: join(dir, 'nope.cert') })).rejects.toThrow(
      /^Invalid setting LND_TLS_CERT_PATH: cannot read .*nope\.cert \(ENOENT\)$/,
    );
    const garbled = join(dir, 'garbled.cert');
    await writeFile(garbled, 'not a certificate');
    await expect(LndBackend.open({ restUrl: lnd.url, macaroonHex: MACAROON, tlsCertPath: garbled })).rejects.toThrow(/not a PEM certificate/);
  });

  it('parses both of LND error body shapes', () => {
    expect(parseLndError('{"code":2,"message":"invoice expired","details":[]}')).toEqual({ message: 'invoice expired', grpcCode: 2 });
    expect(parseLndError('{"error":"invoice expired","code":2,"message":"invoice expired"}')).toEqual({ message: 'invoice expired', grpcCode: 2 });
    expect(parseLndError('{"error":{"code":2,"message":"stream failed","details":[]}}')).toEqual({ message: 'stream failed', grpcCode: 2 });
    expect(parseLndError('<html>bad gateway</html>')).toEqual({ message: '<html>bad gateway</html>' });
  });
});
