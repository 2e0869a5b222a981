/** Picks the chain backend from config (SPEC: CHAIN_BACKEND=esplora|electrum|none). */
import type { Config } from '../../config.js';
import { ChainUnavailableError, type ChainBackend } from '../../domain/wallets/chain.js';
import { ElectrumBackend, type ElectrumOptions } from './electrum.js';
import { EsploraBackend, type EsploraOptions } from './esplora.js';

export interface ChainBackendOverrides {
  esplora?: Partial<EsploraOptions>;
  electrum?: Partial<ElectrumOptions>;
}

/** CHAIN_BACKEND=none: every call fails as "unavailable" (HTTP 503), so wallets still list and derive. */
export class NoChainBackend implements ChainBackend {
  readonly kind = 'none';
  private fail(): never {
    throw new ChainUnavailableError('no chain backend is configured (CHAIN_BACKEND=none)');
  }
  tipHeight(): Promise<never> {
    return Promise.resolve().then(() => this.fail());
  }
  scriptHistories(): Promise<never> {
    return Promise.resolve().then(() => this.fail());
  }
  transactions(): Promise<never> {
    return Promise.resolve().then(() => this.fail());
  }
  async close(): Promise<void> {}
}

export function createChainBackend(chain: Config['chain'], overrides: ChainBackendOverrides = {}): ChainBackend {
  switch (chain.backend) {
    case 'esplora':
      return new EsploraBackend({ ...overrides.esplora, baseUrl: chain.esploraUrl });
    case 'electrum':
      if (!chain.electrumUrl) throw new Error('ELECTRUM_URL is required when CHAIN_BACKEND=electrum');
      return new ElectrumBackend({ ...overrides.electrum, url: chain.electrumUrl });
    case 'none':
      return new NoChainBackend();
  }
}
