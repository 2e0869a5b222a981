/**
 * Request schemas of /api/wallets/* (SPEC: Wallets). Bodies are typed strictly (Ajv coerces nothing:
 * `"20"` for a gap limit is a 400). Query strings are text: integers are matched as digits here and
 * read as numbers by the route, so `?count=ten` or `?start=-1` is a 400 naming the field.
 * The `source` is judged by parseWalletSource, which gives the reason (private key, network, …).
 */
import { SCRIPT_TYPES } from '../../../domain/wallets/script-types.js';
import { GAP_LIMIT_MAX, WALLET_NAME_MAX } from '../../../domain/wallets/wallet-service.js';
import { NETWORKS } from '../../../validation/types.js';
import { pageQueryProperties } from '../../paging.js';

const name = { type: 'string', minLength: 1, maxLength: WALLET_NAME_MAX } as const;
const gap = { type: 'integer', minimum: 1, maximum: GAP_LIMIT_MAX } as const;

export const walletCreateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'source'],
  properties: {
    name,
    source: { type: 'string' },
    network: { type: 'string', enum: [...NETWORKS] },
    scriptType: { type: 'string', enum: [...SCRIPT_TYPES] },
  },
} as const;

export const walletPatchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    name,
    gapLimit: {
      type: 'object',
      additionalProperties: false,
      required: ['receive', 'change'],
      properties: { receive: gap, change: gap },
    },
  },
} as const;

export const walletIdParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const chain = { type: 'string', enum: ['receive', 'change'] } as const;

export const addressesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    chain,
    start: { type: 'string', pattern: '^[0-9]{1,10}$' },
    count: { type: 'string', pattern: '^[0-9]{1,4}$' },
  },
} as const;

export const nextUnusedQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { chain },
} as const;

export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: pageQueryProperties,
} as const;

export interface AddressesQuery {
  chain?: 'receive' | 'change';
  start?: string;
  count?: string;
}
