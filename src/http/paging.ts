/**
 * `?cursor=&limit=` of every collection (SPEC: `{items, next?}`, `limit` ≤ 500). Query strings are text
 * and Ajv coerces nothing here, so `limit` is matched as digits and read as a number after the schema.
 */
import { AppError } from '../errors.js';

export const MAX_PAGE_LIMIT = 500;
export const DEFAULT_PAGE_LIMIT = 50;

export const pageQueryProperties = {
  cursor: { type: 'string', minLength: 1, maxLength: 512 },
  limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
} as const;

export interface PageQuery {
  cursor?: string;
  limit?: string;
}

export function pageRequest(query: PageQuery): { cursor?: string; limit: number } {
  const limit = query.limit === undefined ? DEFAULT_PAGE_LIMIT : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new AppError('invalid_input', `limit must be 1–${MAX_PAGE_LIMIT}`, {
      errors: [{ field: 'limit', code: 'out_of_range', message: `limit must be 1–${MAX_PAGE_LIMIT}` }],
    });
  }
  return query.cursor === undefined ? { limit } : { cursor: query.cursor, limit };
}
