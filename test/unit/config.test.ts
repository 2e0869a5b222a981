import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('gives the embedded default with no environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.storage).toEqual({ kind: 'sqlite', file: './data/satchel.db' });
    expect(config.redisUrl).toBeUndefined();
    expect(config.network).toBe('mainnet');
    expect(config.registration).toBe('open');
    expect(config.chain.backend).toBe('esplora');
    expect(config.chain.esploraUrl).toBe('https://mempool.space/api');
    expect(config.lightning).toEqual({ backend: 'dev' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('switches to the scaled mode with DATABASE_URL and REDIS_URL', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@h/db', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(config.storage).toEqual({ kind: 'postgres', url: 'postgres://u@h/db' });
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['NETWORK', 'moon'],
    ['REGISTRATION', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'not a url'],
    ['CHAIN_BACKEND', 'bitcoind'],
    ['SESSION_TTL_S', '-5'],
    ['WEBHOOK_ALLOW_PRIVATE', 'yes'],
  ])('refuses %s=%s with one line naming the variable', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(name);
    expect((error as Error).message).toContain(name);
    expect((error as Error).message).not.toContain('\n');
  });

  it('needs ELECTRUM_URL when the Electrum backend is chosen', () => {
    expect(() => loadConfig({ CHAIN_BACKEND: 'electrum' })).toThrow(/ELECTRUM_URL/);
    expect(loadConfig({ CHAIN_BACKEND: 'electrum', ELECTRUM_URL: 'ssl://e.example:50002' }).chain.electrumUrl).toBe(
      'ssl://e.example:50002',
    );
  });

  it('re-syncs wallets every 10 minutes unless WALLET_SYNC_INTERVAL_S says otherwise (0 = off)', () => {
    expect(loadConfig({}).chain.syncIntervalS).toBe(600);
    expect(loadConfig({ WALLET_SYNC_INTERVAL_S: '0' }).chain.syncIntervalS).toBe(0);
    expect(() => loadConfig({ WALLET_SYNC_INTERVAL_S: '10m' })).toThrow(/WALLET_SYNC_INTERVAL_S/);
  });

  it('selects LND only with a macaroon', () => {
    expect(() => loadConfig({ LND_REST_URL: 'https://127.0.0.1:8080' })).toThrow(/LND_MACAROON_HEX/);
    const config = loadConfig({ LND_REST_URL: 'https://127.0.0.1:8080', LND_MACAROON_HEX: '0201' });
    expect(config.lightning).toMatchObject({ backend: 'lnd', restUrl: 'https://127.0.0.1:8080' });
  });

  it('lets LIGHTNING_SIGNING_THREADS set the dev node\'s signing threads (0 = inline), and names it when bad', () => {
    expect(loadConfig({ LIGHTNING_SIGNING_THREADS: '3' }).lightning).toEqual({ backend: 'dev', signingThreads: 3 });
    expect(loadConfig({ LIGHTNING_SIGNING_THREADS: '0' }).lightning).toEqual({ backend: 'dev', signingThreads: 0 });
    expect(() => loadConfig({ LIGHTNING_SIGNING_THREADS: 'many' })).toThrow(/LIGHTNING_SIGNING_THREADS/);
    expect(() => loadConfig({ LIGHTNING_SIGNING_THREADS: '65' })).toThrow(/LIGHTNING_SIGNING_THREADS/);
  });

  it('trusts X-Forwarded-* from no peer unless TRUST_PROXY lists the proxies (addresses, CIDRs, proxy-addr names)', () => {
    expect(loadConfig({}).trustProxy).toBeUndefined();
    expect(loadConfig({ TRUST_PROXY: '' }).trustProxy).toBeUndefined();
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1' }).trustProxy).toEqual(['127.0.0.1']);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, ::1 ,fd00::/8,loopback' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
  });

  it.each(['true', '*', '1', 'nginx.local', '10.0.0.0/33', '::1/129', '127.0.0.1/', '10.0.0.1/8/8', '127.0.0.1,,::1'])(
    'refuses TRUST_PROXY=%s with one line naming the variable (trusting everyone would let clients forge their address)',
    (value) => {
      let error: unknown;
      try {
        loadConfig({ TRUST_PROXY: value });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe('TRUST_PROXY');
      expect((error as Error).message).not.toContain('\n');
    },
  );
});
