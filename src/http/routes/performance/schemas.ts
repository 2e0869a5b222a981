/** `instance`: an INSTANCE_ID, or `all`; absent = the instance that answers. */
const instance = { type: 'string', minLength: 1, maxLength: 200 } as const;

export const instanceQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { instance },
} as const;

export const rangeQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { range: { type: 'string', enum: ['15m', '1h', '24h'], default: '15m' }, instance },
} as const;

export const reportQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    range: { type: 'string', enum: ['15m', '1h', '24h'], default: '1h' },
    format: { type: 'string', enum: ['json', 'md'], default: 'json' },
  },
} as const;

export const namespaceParams = {
  type: 'object',
  properties: { namespace: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

export const optimizerBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    enabled: { type: 'boolean' },
    intervalMs: { type: 'integer', minimum: 1000, maximum: 3_600_000 },
    margin: { type: 'number', minimum: 0, maximum: 1 },
    minLookups: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    memoryBudgetMb: { type: 'integer', minimum: 1, maximum: 65_536 },
    growBelowHitRate: { type: 'number', minimum: 0, maximum: 1 },
    maxL1Entries: { type: 'integer', minimum: 100, maximum: 100_000_000 },
    minL1Entries: { type: 'integer', minimum: 10, maximum: 10_000_000 },
  },
} as const;

export const alertThresholdsBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    l2DownForS: { type: 'integer', minimum: 0, maximum: 86_400 },
    minHitRate: { type: 'number', minimum: 0, maximum: 1 },
    lowHitRateForS: { type: 'integer', minimum: 0, maximum: 86_400 },
    minLookupsPerS: { type: 'number', minimum: 0 },
    p99Ms: { type: 'number', minimum: 0 },
    p99ForS: { type: 'integer', minimum: 0, maximum: 86_400 },
    eventLoopLagMs: { type: 'number', minimum: 0 },
    lagForS: { type: 'integer', minimum: 0, maximum: 86_400 },
    errorRate: { type: 'number', minimum: 0, maximum: 1 },
    errorRateForS: { type: 'integer', minimum: 0, maximum: 86_400 },
  },
} as const;
