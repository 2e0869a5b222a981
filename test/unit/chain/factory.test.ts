/** The chain backend factory picks by config; CHAIN_BACKEND=none fails every call as 503. Retry-After parsing. */
import { describe, expect, it } from 'vitest';
import { ElectrumBackend, electrumScripthash } from '../../../src/adapters/chain/electrum.js';
import { EsploraBackend } from '../../../src/adapters/chain/esplora.js';
import { NoChainBackend, createChainBackend } from '../../../src/adapters/chain/factory.js';
import { parseRetryAfter } from '../../../src/adapters/chain/resilience.js';
import { loadConfig } from '../../../src/config.js';
import { ChainUnavailableError } from '../../../src/domain/wallets/chain.js';

describe('createChainBackend', () => {
  it('esplora by default, at ESPLORA_URL', () => {
    expect(createChainBackend(loadConfig({}).chain)).toBeInstanceOf(EsploraBackend);
  });

  it('electrum at ELECTRUM_URL, without connecting until first use', async () => {
    const backend = createChainBackend(loadConfig({ CHAIN_BACKEND: 'electrum', ELECTRUM_URL: 'ssl://electrum.example:50002' }).chain);
    expect(backend).toBeInstanceOf(ElectrumBackend);
    await backend.close();
  });

  it('none: every call is ChainUnavailableError (503)', async () => {
    const backend = createChainBackend(loadConfig({ CHAIN_BACKEND: 'none' }).chain);
    expect(backend).toBeInstanceOf(NoChainBackend);
    const error = await backend.tipHeight().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainUnavailableError);
    expect((error as ChainUnavailableError).status).toBe(503);
    await expect(backend.scriptHistories([])).rejects.toBeInstanceOf(ChainUnavailableError);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

it('electrum scripthash is sha256(scriptPubKey) reversed (Electrum protocol docs example)', () => {
  // P2PKH of 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa, from the protocol's "Script Hashes" section.
  expect(electrumScripthash('76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac')).toBe(
    '8b01df4e368ea28f8dc0423bcf7a4923e3a12d307c875e47a0cfbf90b5c39161',
  );
});
