import { describe, expect, it } from 'vitest';
import { chainBackendInfo, isPublicHost } from '../../../src/adapters/chain/backend-info.js';

describe('chain backend privacy notice', () => {
  it.each([
    ['mempool.space', true],
    ['blockstream.info', true],
    ['8.8.8.8', true],
    ['localhost', false],
    ['127.0.0.1', false],
    ['[::1]', false],
    ['192.168.1.20', false],
    ['10.0.0.5', false],
    ['172.20.0.2', false],
    ['electrs', false],
    ['node.local', false],
    ['abcdefgh.onion', false],
  ])('%s → public %s', (host, expected) => {
    expect(isPublicHost(host)).toBe(expected);
  });

  it('names only the host of the configured server', () => {
    expect(chainBackendInfo({ backend: 'esplora', esploraUrl: 'https://user:pw@mempool.space/api?x=1', syncIntervalS: 600 })).toEqual({ backend: 'esplora', host: 'mempool.space', public: true });
    expect(chainBackendInfo({ backend: 'electrum', esploraUrl: 'https://mempool.space/api', electrumUrl: 'tcp://127.0.0.1:50001', syncIntervalS: 600 })).toEqual({ backend: 'electrum', host: '127.0.0.1:50001', public: false });
    expect(chainBackendInfo({ backend: 'none', esploraUrl: 'https://mempool.space/api', syncIntervalS: 600 })).toEqual({ backend: 'none', public: false });
  });
});
