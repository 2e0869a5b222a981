/**
 * Request schemas of /api/lightning/* (SPEC: Lightning). Invoice items are judged by the domain (each
 * bulk item on its own, with the same codes for the single route), so here the single body only has to
 * be an object and the bulk body is judged as an envelope: an array of at most 1,000 and a mode.
 */
import { INVOICE_STATUS_FILTERS } from '../../../domain/lightning/invoices.js';
import { MAX_BULK_INVOICES } from '../../../domain/lightning/invoice-service.js';
import { pageQueryProperties } from '../../paging.js';

export const invoiceBody = { type: 'object' } as const;

export const bulkInvoiceBody = {
  type: 'object',
  additionalProperties: false,
  required: ['invoices'],
  properties: {
    invoices: { type: 'array', maxItems: MAX_BULK_INVOICES },
    mode: { type: 'string', enum: ['partial', 'atomic'] },
  },
} as const;

export const invoiceListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQueryProperties,
    status: { type: 'string', enum: [...INVOICE_STATUS_FILTERS] },
  },
} as const;

export const invoiceIdParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export const webhookBody = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: { url: { type: 'string', minLength: 1, maxLength: 2048 } },
} as const;
