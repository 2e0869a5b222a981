/** Request schemas of /api/admin/* and bulk registration (SPEC: Accounts). */
import { AUDIT_EVENT_TYPES } from '../../../domain/accounts/ports.js';
import { MAX_BULK_USERS } from '../../../domain/accounts/policy.js';
import { pageQueryProperties } from '../../paging.js';

/** Only the envelope is judged here: each user item is judged on its own (SPEC: bulk requests). */
export const bulkBody = {
  type: 'object',
  additionalProperties: false,
  required: ['users'],
  properties: {
    users: { type: 'array', maxItems: MAX_BULK_USERS },
    mode: { type: 'string', enum: ['partial', 'atomic'] },
  },
} as const;

export const bulkQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { mode: { type: 'string', enum: ['partial', 'atomic'] } },
} as const;

export const userIdParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export const userPatchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    role: { type: 'string', enum: ['admin', 'user'] },
    disabled: { type: 'boolean' },
  },
} as const;

export const usersQuery = {
  type: 'object',
  additionalProperties: false,
  properties: pageQueryProperties,
} as const;

export const auditQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...pageQueryProperties,
    type: { type: 'string', enum: [...AUDIT_EVENT_TYPES] },
    userId: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;
