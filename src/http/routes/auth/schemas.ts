/** Request schemas of /api/auth/* (SPEC: Accounts). Lengths here only bound the work; the policy is the validators'. */
import { MAX_TOKEN_NAME_LENGTH } from '../../../domain/accounts/policy.js';
import { SCOPES } from '../../../domain/accounts/principal.js';
import { pageQueryProperties } from '../../paging.js';

/** Far above any valid value (username ≤ 32, password ≤ 128 code points), far below a costly hash input. */
const username = { type: 'string', maxLength: 256 } as const;
const password = { type: 'string', maxLength: 1024 } as const;

export const credentialsBody = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: { username, password },
} as const;

export const passwordChangeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['currentPassword', 'newPassword'],
  properties: { currentPassword: password, newPassword: password },
} as const;

export const tokenCreateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: MAX_TOKEN_NAME_LENGTH },
    scopes: { type: 'array', minItems: 1, maxItems: SCOPES.length, uniqueItems: true, items: { type: 'string', enum: [...SCOPES] } },
  },
} as const;

export const tokenIdParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: pageQueryProperties,
} as const;
