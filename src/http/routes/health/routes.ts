import type { FastifyInstance } from 'fastify';
import type { Network } from '../../../validation/types.js';

/** Liveness (no auth); also tells the web app which network new wallets default to. */
export default async function healthRoutes(app: FastifyInstance, opts: { network: Network }): Promise<void> {
  app.get(
    '/api/health',
    {
      config: { access: 'public' },
      schema: {
        response: { 200: { type: 'object', properties: { status: { type: 'string' }, network: { type: 'string' } }, required: ['status'] } },
      },
    },
    async () => ({ status: 'ok', network: opts.network }),
  );
}
