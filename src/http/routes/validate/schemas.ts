import { NETWORKS, VALIDATION_TYPES } from '../../../validation/types.js';

export const MAX_BATCH_VALUES = 10_000;

const type = { type: 'string', enum: [...VALIDATION_TYPES] } as const;
const network = { type: 'string', enum: [...NETWORKS] } as const;

/** `value` may be any JSON value: the validator judges it (an amount is a number, "100" is refused there). */
export const validateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'value'],
  properties: { type, value: {}, network },
} as const;

/** Only the envelope is judged here; each value is judged on its own (SPEC: bulk and batch requests). */
export const validateBatchBody = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'values'],
  properties: { type, values: { type: 'array', maxItems: MAX_BATCH_VALUES }, network },
} as const;
