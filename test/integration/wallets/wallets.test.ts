/**
 * Wallets over HTTP on both engines (SPEC: Wallets): creation from every kind of source, refusals with
 * their reason and nothing stored, owner isolation, paging, PATCH/DELETE, and address ranges.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descriptorChecksum } from '../../../src/validation/descriptor.js';
import type { Satchel } from '../../../src/main.js';
import { testAccount } from '../../helpers/chain/test-accounts.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { ApiUser, expectProblem, startWalletInstance, type WalletView } from './harness.js';

interface Vector {
  name: string;
  scriptType: string;
  accountKey: string;
  accountXprv: string;
  addresses: Array<{ chain: 0 | 1; index: number; address: string }>;
}
const VECTORS = (JSON.parse(readFileSync(new URL('../../vectors/derivation.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors;
const vector = (name: string) => VECTORS.find((v) => v.name === name)!;
const BIP84 = vector('BIP-84 mainnet account 0');
const BIP49 = vector('BIP-49 mainnet account 0');
const BIP44 = vector('BIP-44 mainnet account 0');
const BIP86 = vector('BIP-86 mainnet account 0');
const ROOT_FINGERPRINT = '73c5da0a'; // the BIP-39 test mnemonic's master key

describe.each(DIALECTS)('wallets API (%s)', (dialect) => {
  let database: TestDatabase;
  let satchel: Satchel;
  let alice: ApiUser;
  let bob: ApiUser;

  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    satchel = await startWalletInstance({ database });
    alice = await ApiUser.create(satchel, 'alice');
    bob = await ApiUser.create(satchel, 'bob');
  });
  afterAll(async () => {
    await satchel?.close();
    await database?.close();
  });

  const walletCount = async () => Number((await database.db.selectFrom('wallets').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const addresses = (user: ApiUser, id: string, query: string) => user.json<{ addresses: Array<{ chain: string; index: number; address: string; path: string }> }>('GET', `/api/wallets/${id}/addresses?${query}`);

  describe('creating', () => {
    it('from an address: one receive address, no change chain', async () => {
      const source = BIP84.addresses[0]!.address;
      const wallet = await alice.createWallet({ name: 'Donations', source });
      expect(wallet).toMatchObject({ name: 'Donations', kind: 'address', network: 'mainnet', scriptType: 'p2wpkh', ranged: false, chains: ['receive'] });
      expect(wallet.descriptor).toBe(`addr(${source})#${descriptorChecksum(`addr(${source})`)}`);
      expect((await addresses(alice, wallet.id, 'chain=receive')).addresses).toEqual([{ chain: 'receive', index: 0, address: source, path: '' }]);
      expect((await addresses(alice, wallet.id, 'chain=change')).addresses).toEqual([]);
    });

    it.each([
      ['zpub (BIP-84)', BIP84, {}, 'p2wpkh', 'wpkh(xpub'],
      ['ypub (BIP-49)', BIP49, {}, 'p2sh-p2wpkh', 'sh(wpkh(xpub'],
      ['xpub (BIP-44)', BIP44, {}, 'p2pkh', 'pkh(xpub'],
      ['xpub with scriptType p2tr (BIP-86)', BIP86, { scriptType: 'p2tr' }, 'p2tr', 'tr(xpub'],
    ] as const)('from a %s: the BIP vector addresses on both chains', async (_label, v, extra, scriptType, prefix) => {
      const wallet = await alice.createWallet({ name: v.name, source: v.accountKey, ...extra });
      expect(wallet).toMatchObject({ kind: 'xpub', network: 'mainnet', scriptType, ranged: true, chains: ['receive', 'change'] });
      expect(wallet.descriptor.startsWith(prefix)).toBe(true);
      expect(wallet.descriptor).toMatch(/\/<0;1>\/\*\)+#[a-z0-9]{8}$/);
      for (const expected of v.addresses) {
        const chain = expected.chain === 0 ? 'receive' : 'change';
        const [got] = (await addresses(alice, wallet.id, `chain=${chain}&start=${expected.index}&count=1`)).addresses;
        expect(got).toEqual({ chain, index: expected.index, address: expected.address, path: `${expected.chain}/${expected.index}` });
      }
    });

    it('from a tpub: on the requested network, else NETWORK where the key allows it, else testnet', async () => {
      const account = testAccount('p2wpkh');
      const regtest = await alice.createWallet({ name: 'regtest', source: account.tpub, network: 'regtest', scriptType: 'p2wpkh' });
      expect(regtest).toMatchObject({ kind: 'xpub', network: 'regtest', scriptType: 'p2wpkh' });
      const [first] = (await addresses(alice, regtest.id, 'start=5&count=1')).addresses;
      expect(first!.address).toBe(account.address(0, 5).address);
      // NETWORK is mainnet here: a tpub cannot be mainnet, so it is the key's own family (testnet).
      const fallback = await alice.createWallet({ name: 'default', source: account.tpub });
      expect(fallback).toMatchObject({ network: 'testnet', scriptType: 'p2pkh' });
    });

    it('from a descriptor with and without checksum, with key origin and multipath', async () => {
      const account = testAccount('p2wpkh');
      const body = account.descriptor.replace('wpkh(', `wpkh([${ROOT_FINGERPRINT}/84h/1h/0h]`);
      const withChecksum = `${body}#${descriptorChecksum(body)}`;
      const a = await alice.createWallet({ name: 'no checksum', source: body, network: 'regtest' });
      const b = await alice.createWallet({ name: 'checksum', source: withChecksum, network: 'regtest' });
      expect(a).toMatchObject({ kind: 'descriptor', network: 'regtest', scriptType: 'p2wpkh', descriptor: withChecksum, chains: ['receive', 'change'] });
      expect(b.descriptor).toBe(withChecksum);
      const [change] = (await addresses(alice, b.id, 'chain=change&start=3&count=1')).addresses;
      expect(change).toEqual({ chain: 'change', index: 3, address: account.address(1, 3).address, path: 'm/84h/1h/0h/1/3' });

      const receiveOnly = await alice.createWallet({ name: 'receive only', source: account.descriptor.replace('<0;1>', '0'), network: 'regtest' });
      expect(receiveOnly).toMatchObject({ ranged: true, chains: ['receive'] });
      expect((await addresses(alice, receiveOnly.id, 'chain=change')).addresses).toEqual([]);
      expect((await addresses(alice, receiveOnly.id, 'count=2')).addresses.map((x) => x.address)).toEqual([account.address(0, 0).address, account.address(0, 1).address]);
    });
  });

  describe('refusing', () => {
    it.each([
      ['an extended private key', { source: BIP84.accountXprv }, 'private_key_rejected'],
      ['a descriptor holding a private key', { source: `wpkh(${BIP84.accountXprv}/0/*)` }, 'private_key_rejected'],
      ['a key of another network', { source: BIP84.accountKey, network: 'testnet' }, 'wrong_network'],
      ['an address of another network', { source: testAccount('p2wpkh').address(0, 0).address, network: 'mainnet' }, 'wrong_network'],
      ['garbage', { source: 'not a wallet' }, 'invalid_source'],
      ['a descriptor with a wrong checksum', { source: `${testAccount('p2wpkh').descriptor}#qqqqqqqq`, network: 'regtest' }, 'invalid_source'],
    ])('%s → 400 with the reason, nothing stored, the secret not echoed', async (_label, payload, code) => {
      const before = await walletCount();
      const response = await alice.call('POST', '/api/wallets', { name: 'x', ...payload });
      const problem = expectProblem(response, 400, 'invalid_input');
      expect(problem.errors[0]).toMatchObject({ field: 'source', code });
      expect(response.body).not.toContain(BIP84.accountXprv);
      expect(await walletCount()).toBe(before);
    });

    it.each([
      ['no name', { source: BIP84.accountKey }, 'name', 'required'],
      ['a blank name', { name: '   ', source: BIP84.accountKey }, 'name', 'required'],
      ['a name of 101 characters', { name: 'n'.repeat(101), source: BIP84.accountKey }, 'name', 'too_long'],
      ['a source that is not a string', { name: 'n', source: 42 }, 'source', 'wrong_type'],
      ['an unknown property', { name: 'n', source: BIP84.accountKey, label: 'x' }, 'label', 'unknown_property'],
      ['an unknown script type', { name: 'n', source: BIP84.accountKey, scriptType: 'p2wsh' }, 'scriptType', 'not_allowed'],
    ])('%s → 400 naming the field', async (_label, payload, field, code) => {
      const problem = expectProblem(await alice.call('POST', '/api/wallets', payload), 400, 'invalid_input');
      expect(problem.errors[0]).toMatchObject({ field, code });
    });
  });

  describe('owning', () => {
    it("answers 404 for another user's wallet on every route", async () => {
      const wallet = await alice.createWallet({ name: 'mine', source: BIP84.accountKey });
      const routes: Array<['GET' | 'POST' | 'PATCH' | 'DELETE', string, unknown?]> = [
        ['GET', `/api/wallets/${wallet.id}`],
        ['PATCH', `/api/wallets/${wallet.id}`, { name: 'stolen' }],
        ['DELETE', `/api/wallets/${wallet.id}`],
        ['GET', `/api/wallets/${wallet.id}/addresses`],
        ['GET', `/api/wallets/${wallet.id}/addresses/next-unused`],
        ['POST', `/api/wallets/${wallet.id}/addresses/next-unused`],
        ['POST', `/api/wallets/${wallet.id}/sync`],
        ['GET', `/api/wallets/${wallet.id}/transactions`],
        ['GET', `/api/wallets/${wallet.id}/transactions.csv`],
      ];
      for (const [method, url, payload] of routes) expectProblem(await bob.call(method, url, payload), 404, 'not_found');
      expect((await bob.json('GET', '/api/wallets')).items.map((w: WalletView) => w.id)).not.toContain(wallet.id);
      expect((await alice.json<WalletView>('GET', `/api/wallets/${wallet.id}`)).name).toBe('mine');
    });

    it('needs a signed-in user', async () => {
      const response = await satchel.app.inject({ method: 'GET', url: '/api/wallets' });
      expectProblem(response, 401, 'unauthorized');
    });
  });

  describe('listing, renaming, deleting', () => {
    it('pages a user’s wallets newest first, every wallet once', async () => {
      const carol = await ApiUser.create(satchel, 'carol');
      const made: string[] = [];
      for (let i = 0; i < 5; i++) made.push((await carol.createWallet({ name: `w${i}`, source: BIP84.addresses[0]!.address })).id);
      const seen: string[] = [];
      let url = '/api/wallets?limit=2';
      for (let pages = 0; pages < 10; pages++) {
        const page = await carol.json<{ items: WalletView[]; next?: string }>('GET', url);
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((w) => w.id));
        if (!page.next) break;
        url = `/api/wallets?limit=2&cursor=${encodeURIComponent(page.next)}`;
      }
      expect(seen).toEqual([...made].reverse());
      expectProblem(await carol.call('GET', '/api/wallets?cursor=bogus'), 400, 'invalid_cursor');
      expectProblem(await carol.call('GET', '/api/wallets?limit=501'), 400, 'invalid_input');
    });

    it('renames, sets gap limits (a raise marks a re-scan), refuses bad values, deletes', async () => {
      const wallet = await alice.createWallet({ name: 'old', source: BIP84.accountKey });
      expect(wallet.gapLimit).toEqual({ receive: 20, change: 20 });
      const renamed = await alice.json<WalletView>('PATCH', `/api/wallets/${wallet.id}`, { name: 'new' });
      expect(renamed).toMatchObject({ name: 'new', rescanPending: false });
      const lowered = await alice.json<WalletView>('PATCH', `/api/wallets/${wallet.id}`, { gapLimit: { receive: 5, change: 5 } });
      expect(lowered).toMatchObject({ gapLimit: { receive: 5, change: 5 }, rescanPending: false });
      const raised = await alice.json<WalletView>('PATCH', `/api/wallets/${wallet.id}`, { gapLimit: { receive: 1000, change: 5 } });
      expect(raised).toMatchObject({ gapLimit: { receive: 1000, change: 5 }, rescanPending: true });

      for (const [payload, field] of [
        [{ gapLimit: { receive: 0, change: 20 } }, 'gapLimit.receive'],
        [{ gapLimit: { receive: 20, change: 1001 } }, 'gapLimit.change'],
        [{ gapLimit: { receive: '20', change: 20 } }, 'gapLimit.receive'],
        [{ gapLimit: { receive: 20 } }, 'gapLimit.change'],
        [{ name: '' }, 'name'],
      ] as const) {
        const problem = expectProblem(await alice.call('PATCH', `/api/wallets/${wallet.id}`, payload), 400, 'invalid_input');
        expect(problem.errors[0].field).toBe(field);
      }
      expectProblem(await alice.call('PATCH', `/api/wallets/${wallet.id}`, {}), 400, 'invalid_input');

      expect((await alice.call('DELETE', `/api/wallets/${wallet.id}`)).statusCode).toBe(204);
      expectProblem(await alice.call('GET', `/api/wallets/${wallet.id}`), 404, 'not_found');
      expectProblem(await alice.call('DELETE', `/api/wallets/${wallet.id}`), 404, 'not_found');
    });
  });

  describe('addresses', () => {
    let id: string;
    beforeAll(async () => {
      id = (await alice.createWallet({ name: 'addresses', source: BIP84.accountKey })).id;
    });

    it('lists 20 receive addresses by default and up to 1,000 at once, across cache blocks', async () => {
      const first = (await addresses(alice, id, '')).addresses;
      expect(first).toHaveLength(20);
      expect(first[0]).toEqual({ chain: 'receive', index: 0, address: BIP84.addresses[0]!.address, path: '0/0' });
      const thousand = (await addresses(alice, id, 'chain=receive&start=0&count=1000')).addresses;
      expect(thousand.map((a) => a.index)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect(new Set(thousand.map((a) => a.address)).size).toBe(1000);
      const across = (await addresses(alice, id, 'start=95&count=10')).addresses;
      expect(across).toEqual(thousand.slice(95, 105));
      const last = (await addresses(alice, id, 'start=2147483647&count=1')).addresses;
      expect(last).toEqual([expect.objectContaining({ index: 2147483647, path: '0/2147483647' })]);
      expect((await addresses(alice, id, 'start=2147483600&count=1000')).addresses).toHaveLength(48);
    });

    it.each([
      ['count=1001', 'count', 'out_of_range'],
      ['count=0', 'count', 'out_of_range'],
      ['count=ten', 'count', 'invalid_format'],
      ['count=1.5', 'count', 'invalid_format'],
      ['count=', 'count', 'invalid_format'],
      ['start=-1', 'start', 'invalid_format'],
      ['start=2147483648', 'start', 'out_of_range'],
      ['start=1e3', 'start', 'invalid_format'],
      ['chain=savings', 'chain', 'not_allowed'],
      ['limit=5', 'limit', 'unknown_property'],
    ])('?%s → 400 naming %s', async (query, field, code) => {
      const problem = expectProblem(await alice.call('GET', `/api/wallets/${id}/addresses?${query}`), 400, 'invalid_input');
      expect(problem.errors[0]).toMatchObject({ field, code });
    });
  });

  it('tells which chain backend syncs use (none here: not public)', async () => {
    expect(await alice.json('GET', '/api/wallets/backend')).toEqual({ backend: 'none', public: false });
  });

  it('answers a sync with 503 while no chain backend is configured, and stores nothing', async () => {
    const wallet = await alice.createWallet({ name: 'offline', source: BIP84.accountKey });
    expectProblem(await alice.call('POST', `/api/wallets/${wallet.id}/sync`), 503, 'dependency_down');
    expect(await alice.json<WalletView>('GET', `/api/wallets/${wallet.id}`)).toMatchObject({ lastSyncedAt: null, txCount: 0 });
  });
});
