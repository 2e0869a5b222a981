/**
 * /api/wallets/* (SPEC: Wallets; the original plan's `wallets.js`). Thin: the wallet service decides
 * (owner scope, source parsing, caching, sync); this file maps HTTP onto it. Another user's wallet is
 * a 404 everywhere. Chain failures during a sync leave as 503/502 problems with nothing written.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ChainBackendInfo } from '../../../adapters/chain/backend-info.js';
import type { ChainName } from '../../../domain/wallets/ports.js';
import type { ScriptType } from '../../../domain/wallets/script-types.js';
import type { WalletService } from '../../../domain/wallets/wallet-service.js';
import type { Network } from '../../../validation/types.js';
import { pageRequest, type PageQuery } from '../../paging.js';
import { principalOf } from '../auth/routes.js';
import { addressView, nextUnusedView, syncView, transactionView, walletView } from './presenters.js';
import {
  addressesQuery,
  nextUnusedQuery,
  pageQuery,
  walletCreateBody,
  walletIdParams,
  walletPatchBody,
  type AddressesQuery,
} from './schemas.js';

export interface WalletRoutesOptions {
  wallets: WalletService;
  backend: ChainBackendInfo;
}

interface IdParams {
  id: string;
}

export function walletRoutes(options: WalletRoutesOptions) {
  const { wallets, backend } = options;

  return async function walletRoutesPlugin(app: FastifyInstance): Promise<void> {
    const read = { access: 'user', scope: 'read' } as const;
    const write = { access: 'user', scope: 'write' } as const;

    // Which chain backend syncs go to, for the UI's privacy notice.
    app.get('/api/wallets/backend', { config: read }, async () => backend);

    app.post<{ Body: { name: string; source: string; network?: Network; scriptType?: ScriptType } }>(
      '/api/wallets',
      { schema: { body: walletCreateBody }, config: write },
      async (request, reply) => {
        const wallet = await wallets.create(principalOf(request).userId, request.body);
        return reply.code(201).send(walletView(wallet));
      },
    );

    app.get<{ Querystring: PageQuery }>('/api/wallets', { schema: { querystring: pageQuery }, config: read }, async (request) => {
      const page = await wallets.list(principalOf(request).userId, pageRequest(request.query));
      const items = page.items.map(walletView);
      return page.next ? { items, next: page.next } : { items };
    });

    app.get<{ Params: IdParams }>('/api/wallets/:id', { schema: { params: walletIdParams }, config: read }, async (request) =>
      walletView(await wallets.get(principalOf(request).userId, request.params.id)),
    );

    app.patch<{ Params: IdParams; Body: { name?: string; gapLimit?: { receive: number; change: number } } }>(
      '/api/wallets/:id',
      { schema: { params: walletIdParams, body: walletPatchBody }, config: write },
      async (request) => walletView(await wallets.update(principalOf(request).userId, request.params.id, request.body)),
    );

    app.delete<{ Params: IdParams }>('/api/wallets/:id', { schema: { params: walletIdParams }, config: write }, async (request, reply) => {
      await wallets.delete(principalOf(request).userId, request.params.id);
      return reply.code(204).send();
    });

    app.get<{ Params: IdParams; Querystring: AddressesQuery }>(
      '/api/wallets/:id/addresses',
      { schema: { params: walletIdParams, querystring: addressesQuery }, config: read },
      async (request) => {
        const { chain = 'receive', start = '0', count = '20' } = request.query;
        const list = await wallets.addresses(principalOf(request).userId, request.params.id, chain, Number(start), Number(count));
        return { addresses: list.map(addressView) };
      },
    );

    app.get<{ Params: IdParams; Querystring: { chain?: ChainName } }>(
      '/api/wallets/:id/addresses/next-unused',
      { schema: { params: walletIdParams, querystring: nextUnusedQuery }, config: read },
      async (request) =>
        nextUnusedView(await wallets.nextUnused(principalOf(request).userId, request.params.id, request.query.chain ?? 'receive', false)),
    );

    // Hands the address out: the next call gives the one after it.
    app.post<{ Params: IdParams; Querystring: { chain?: ChainName } }>(
      '/api/wallets/:id/addresses/next-unused',
      { schema: { params: walletIdParams, querystring: nextUnusedQuery }, config: write },
      async (request) =>
        nextUnusedView(await wallets.nextUnused(principalOf(request).userId, request.params.id, request.query.chain ?? 'receive', true)),
    );

    app.post<{ Params: IdParams }>('/api/wallets/:id/sync', { schema: { params: walletIdParams }, config: write }, async (request) =>
      syncView(await wallets.sync(principalOf(request).userId, request.params.id)),
    );

    app.get<{ Params: IdParams; Querystring: PageQuery }>(
      '/api/wallets/:id/transactions',
      { schema: { params: walletIdParams, querystring: pageQuery }, config: read },
      async (request) => {
        const page = await wallets.transactions(principalOf(request).userId, request.params.id, pageRequest(request.query));
        const transactions = page.items.map(transactionView);
        return page.next ? { transactions, next: page.next } : { transactions };
      },
    );

    app.get<{ Params: IdParams }>(
      '/api/wallets/:id/transactions.csv',
      { schema: { params: walletIdParams }, config: read },
      async (request, reply) => {
        const { wallet, chunks } = await wallets.exportCsv(principalOf(request).userId, request.params.id);
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="wallet-${wallet.id}-transactions.csv"`)
          .header('cache-control', 'no-store');
        return reply.send(Readable.from(chunks));
      },
    );
  };
}
