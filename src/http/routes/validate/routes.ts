/** POST /api/validate and /api/validate/batch (SPEC: Validation). Thin: the cached validator does the work. */
import type { FastifyInstance } from 'fastify';
import type { CachedValidator } from '../../../domain/validation/cached-validator.js';
import type { Network, ValidationResult, ValidationType } from '../../../validation/types.js';
import { validateBatchBody, validateBody } from './schemas.js';

interface ValidateRequest {
  type: ValidationType;
  value: unknown;
  network?: Network;
}
interface ValidateBatchRequest {
  type: ValidationType;
  values: unknown[];
  network?: Network;
}

function present(result: ValidationResult): ValidationResult {
  const out: ValidationResult = { valid: result.valid };
  if (result.normalized !== undefined) out.normalized = result.normalized;
  if (result.details !== undefined) out.details = result.details;
  if (result.errors?.length) out.errors = result.errors;
  return out;
}

export default async function validateRoutes(app: FastifyInstance, opts: { validator: CachedValidator }): Promise<void> {
  const { validator } = opts;

  app.post<{ Body: ValidateRequest }>(
    '/api/validate',
    { schema: { body: validateBody }, config: { access: 'user', scope: 'read' } },
    async (request) => {
      const { type, value, network } = request.body;
      const result = await validator.validate(type, value, network ? { network } : undefined);
      return { ...present(result), type };
    },
  );

  app.post<{ Body: ValidateBatchRequest }>(
    '/api/validate/batch',
    // 10,000 values of up to a few hundred bytes each: more than the default body limit.
    { schema: { body: validateBatchBody }, bodyLimit: 8 * 1024 * 1024, config: { access: 'user', scope: 'read' } },
    async (request) => {
      const { type, values, network } = request.body;
      const { results, stats } = await validator.validateBatch(type, values, network ? { network } : undefined);
      return { results: results.map(present), stats };
    },
  );
}
