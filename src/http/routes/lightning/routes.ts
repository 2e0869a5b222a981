/**
 * /api/lightning/* (SPEC: Lightning): node info, invoices one at a time or up to 1,000 at once (both with
 * `Idempotency-Key`), the owner's list and single invoices, and simulated payment on the dev backend.
 * Thin: the invoice service decides; backend failures arrive as AppErrors (502 bad_gateway, 503
 * dependency_down) and leave through the problem handler.
 */
import type { FastifyInstance } from 'fastify';
import type { Idempotency } from '../../../domain/idempotency/idempotency.js';
import type { InvoiceStatusView } from '../../../domain/lightning/invoices.js';
import type { BulkInvoiceMode, InvoiceService } from '../../../domain/lightning/invoice-service.js';
import type { PaymentWebhooks, WebhookDelivery } from '../../../domain/lightning/payment-webhooks.js';
import { AppError } from '../../../errors.js';
import { idempotencyHooks } from '../../plugins/idempotency.js';
import { pageRequest, type PageQuery } from '../../paging.js';
import { principalOf } from '../auth/routes.js';
import { pageView } from '../auth/presenters.js';
import { bulkReportView, invoiceView } from './presenters.js';
import { bulkInvoiceBody, invoiceBody, invoiceIdParams, invoiceListQuery, webhookBody } from './schemas.js';

/** 1,000 items with a 1,024-byte memo each, JSON-escaped at worst (\uXXXX), with room to spare. */
const BULK_BODY_LIMIT = 8 * 1024 * 1024;

export interface LightningRoutesOptions {
  invoices: InvoiceService;
  idempotency: Idempotency;
  webhooks?: PaymentWebhooks;
}

function deliveryView(delivery: WebhookDelivery) {
  return {
    id: delivery.id,
    invoiceId: delivery.invoiceId,
    event: delivery.event,
    state: delivery.state,
    attempts: delivery.attempts,
    createdAt: delivery.createdAt.toISOString(),
    ...(delivery.state === 'pending' ? { nextAttemptAt: delivery.nextAttemptAt.toISOString() } : {}),
    ...(delivery.lastStatus !== null ? { lastStatus: delivery.lastStatus } : {}),
    ...(delivery.lastError !== null ? { lastError: delivery.lastError } : {}),
  };
}

export function lightningRoutes(options: LightningRoutesOptions) {
  const { invoices, idempotency, webhooks } = options;

  return async function lightningRoutesPlugin(app: FastifyInstance): Promise<void> {
    const idempotent = idempotencyHooks(idempotency);
    const read = { access: 'user', scope: 'read' } as const;
    const write = { access: 'user', scope: 'write' } as const;

    app.get('/api/lightning/node', { config: read }, async () => {
      const info = await invoices.nodeInfo();
      return { backend: info.backend, pubkey: info.pubkey, alias: info.alias, network: info.network, canSimulatePayments: invoices.canSimulatePayments };
    });

    app.post<{ Body: unknown }>(
      '/api/lightning/invoices',
      { ...idempotent, schema: { body: invoiceBody }, config: write },
      async (request, reply) => {
        const invoice = await invoices.create(principalOf(request).userId, request.body);
        return reply.code(201).send(invoiceView(invoice));
      },
    );

    app.post<{ Body: { invoices: unknown[]; mode?: BulkInvoiceMode } }>(
      '/api/lightning/invoices/bulk',
      { ...idempotent, schema: { body: bulkInvoiceBody }, bodyLimit: BULK_BODY_LIMIT, config: write },
      async (request) => {
        const report = await invoices.createBulk(principalOf(request).userId, request.body.invoices, request.body.mode ?? 'partial');
        return bulkReportView(report);
      },
    );

    app.get<{ Querystring: PageQuery & { status?: InvoiceStatusView } }>(
      '/api/lightning/invoices',
      { schema: { querystring: invoiceListQuery }, config: read },
      async (request) => {
        const { status } = request.query;
        const page = await invoices.list(principalOf(request).userId, { ...pageRequest(request.query), ...(status ? { status } : {}) });
        return pageView(page, invoiceView);
      },
    );

    app.get<{ Params: { id: string } }>(
      '/api/lightning/invoices/:id',
      { schema: { params: invoiceIdParams }, config: read },
      async (request) => invoiceView(await invoices.get(principalOf(request).userId, request.params.id)),
    );

    // Payment webhook: one URL per user; its secret is shown once, when the URL is set.
    if (webhooks) {
      app.get('/api/lightning/webhook', { config: read }, async (request) => {
        // None set is a normal state, not an error: `{url: null}`.
        const endpoint = await webhooks.get(principalOf(request).userId);
        return endpoint ? { url: endpoint.url, createdAt: endpoint.createdAt.toISOString() } : { url: null };
      });
      app.put<{ Body: { url: string } }>('/api/lightning/webhook', { schema: { body: webhookBody }, config: write }, async (request) => {
        const endpoint = await webhooks.set(principalOf(request).userId, request.body.url);
        return { url: endpoint.url, secret: endpoint.secret, createdAt: endpoint.createdAt.toISOString() };
      });
      app.delete('/api/lightning/webhook', { config: write }, async (request, reply) => {
        if (!(await webhooks.remove(principalOf(request).userId))) throw new AppError('not_found', 'No payment webhook is set');
        return reply.code(204).send();
      });
      app.get('/api/lightning/webhook/deliveries', { config: read }, async (request) => ({
        items: (await webhooks.deliveries(principalOf(request).userId)).map(deliveryView),
      }));
    }

    app.post<{ Params: { id: string } }>(
      '/api/lightning/invoices/:id/simulate-payment',
      { schema: { params: invoiceIdParams }, config: write },
      async (request) => invoiceView(await invoices.simulatePayment(principalOf(request).userId, request.params.id)),
    );
  };
}
