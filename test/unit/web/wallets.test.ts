import { describe, expect, it } from 'vitest';
import { detectWallet, formatBtc, formatSats } from '../../../web/lib/wallets.js';
import { testAccount } from '../../helpers/chain/test-accounts.js';

const ZPUB = 'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs';
const ZPRV = 'zprvAdG4iTXWBoARxkkzNpNh8r6Qag3irQB8PzEMkAFeTRXxHpbF9z4QgEvBRmfvqWvGp42t42nvgGpNgYSJA9iefm1yYNZKEm7z6qUWCroSQnE';

describe('add-wallet form detection (the server’s resolver in the browser)', () => {
  it('shows kind, network, script type and the key fingerprint of a zpub', () => {
    const detection = detectWallet(ZPUB, { defaultNetwork: 'mainnet' });
    expect(detection).toMatchObject({ ok: true, wallet: { kind: 'xpub', network: 'mainnet', scriptType: 'p2wpkh', fingerprint: { of: 'key' } } });
    expect(detection.ok && detection.wallet.fingerprint?.value).toMatch(/^[0-9a-f]{8}$/);
  });

  it('names the master fingerprint of a descriptor with a key origin', () => {
    const body = testAccount('p2wpkh').descriptor.replace('wpkh(', 'wpkh([73C5DA0A/84h/1h/0h]');
    expect(detectWallet(body, { defaultNetwork: 'regtest' })).toMatchObject({ ok: true, wallet: { network: 'regtest', fingerprint: { value: '73c5da0a', of: 'master' } } });
  });

  it('refuses a private key and a key of another network with the server’s codes', () => {
    expect(detectWallet(ZPRV, { defaultNetwork: 'mainnet' })).toMatchObject({ ok: false, issue: { code: 'private_key_rejected' } });
    expect(detectWallet(ZPUB, { network: 'testnet', defaultNetwork: 'mainnet' })).toMatchObject({ ok: false, issue: { code: 'wrong_network' } });
    const garbage = detectWallet('hello', { defaultNetwork: 'mainnet' });
    expect(garbage).toMatchObject({ ok: false, issue: { code: 'invalid_source' } });
    expect(!garbage.ok && garbage.issue.message).not.toMatch(/^source:/);
  });

  it('formats amounts', () => {
    expect(formatSats(1_040_000)).toBe('1,040,000 sats');
    expect(formatBtc(-310_000)).toBe('−0.00310000 BTC');
  });
});
