/**
 * Picks the Lightning backend from config (SPEC run modes): LND when LND_REST_URL is set, else the dev
 * node with its key in DATA_DIR. The one place main.ts needs to know about either.
 */
import type { Config } from '../../config.js';
import type { LightningBackend, SimulatedPayments } from '../../domain/lightning/backend.js';
import type { Clock } from '../../domain/lightning/clock.js';
import type { DevInvoiceStore } from './dev-invoice-store.js';
import { DevLightningNode } from './dev-node.js';
import { LndBackend } from './lnd.js';

export interface LightningBackendDeps {
  /** Where the dev node keeps preimages (the database in the app). Unused with LND. */
  devInvoiceStore: DevInvoiceStore;
  clock?: Clock;
}

export async function openLightningBackend(
  config: Pick<Config, 'lightning' | 'dataDir' | 'network'>,
  deps: LightningBackendDeps,
): Promise<LightningBackend | (LightningBackend & SimulatedPayments)> {
  const clock = deps.clock ? { clock: deps.clock } : {};
  if (config.lightning.backend === 'lnd') {
    const { restUrl, macaroonHex, tlsCertPath } = config.lightning;
    return LndBackend.open({ restUrl, macaroonHex, ...(tlsCertPath ? { tlsCertPath } : {}), ...clock });
  }
  const { signingThreads } = config.lightning;
  return DevLightningNode.open({
    dataDir: config.dataDir,
    network: config.network,
    store: deps.devInvoiceStore,
    ...(signingThreads === undefined ? {} : { signingThreads }),
    ...clock,
  });
}
