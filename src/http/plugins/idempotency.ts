/**
 * `Idempotency-Key` for any route (SPEC: Lightning creation; IETF httpapi draft), as route hooks:
 * `app.post(url, { ...idempotencyHooks(idempotency), schema, config }, handler)`. Without the header a
 * request runs as usual. With it, the key is claimed in the database before the handler runs, scoped to
 * the user and `METHOD /route/pattern`; the answer as sent (status + serialized body) is stored in onSend
 * and replayed byte for byte, with `Idempotent-Replayed: true`. A 5xx answer, or none, frees the key.
 */
import type { FastifyReply, FastifyRequest, onSendHookHandler, preHandlerHookHandler, onResponseHookHandler } from 'fastify';
import { AppError } from '../../errors.js';
import { hashRequest, MAX_IDEMPOTENCY_KEY_LENGTH, type Idempotency, type IdempotencyDecision } from '../../domain/idempotency/idempotency.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

type Claim = Extract<IdempotencyDecision, { kind: 'proceed' }>;

// The draft makes the key an sf-string ("…"); a bare token is accepted too. Visible ASCII only.
const KEY = /^"?([\x21\x23-\x5B\x5D-\x7E]{1,255})"?$/;

export function parseIdempotencyKey(raw: string | string[]): string {
  const value = Array.isArray(raw) ? undefined : raw.trim();
  const match = value === undefined ? null : KEY.exec(value);
  if (!match || (value!.startsWith('"') !== value!.endsWith('"'))) {
    const message = `Idempotency-Key must be one value of 1–${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters (a UUID is a good choice)`;
    throw new AppError('invalid_input', message, { errors: [{ field: 'Idempotency-Key', code: 'invalid_format', message }] });
  }
  return match[1]!;
}

export interface IdempotencyHooks {
  preHandler: preHandlerHookHandler;
  onSend: onSendHookHandler<unknown>;
  onResponse: onResponseHookHandler;
}

export function idempotencyHooks(idempotency: Idempotency): IdempotencyHooks {
  const claims = new WeakMap<FastifyRequest, Claim>();

  const settle = async (request: FastifyRequest, run: (claim: Claim) => Promise<void>) => {
    const claim = claims.get(request);
    if (!claim) return;
    claims.delete(request);
    try {
      await run(claim);
    } catch (error) {
      // The answer stands; the key stays `running` until it is stale, and repeats get 409 meanwhile.
      request.log.error({ err: error }, 'idempotency record could not be written');
    }
  };

  return {
    async preHandler(request: FastifyRequest, reply: FastifyReply) {
      const raw = request.headers[IDEMPOTENCY_HEADER];
      if (raw === undefined) return;
      const key = parseIdempotencyKey(raw);
      const principal = request.principal;
      if (!principal) throw new AppError('unauthorized', 'Sign in or send a valid bearer token');
      const scope = { userId: principal.userId, route: `${request.method} ${request.routeOptions.url ?? request.url}`, key };
      const decision = await idempotency.begin(scope, hashRequest({ body: request.body ?? null, query: request.query ?? {} }));
      if (decision.kind === 'replay') {
        const { status, body } = decision.response;
        return reply
          .code(status)
          .header(REPLAYED_HEADER, 'true')
          .type(status >= 400 ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8')
          .send(body);
      }
      claims.set(request, decision);
    },
    async onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
      await settle(request, (claim) =>
        typeof payload === 'string' ? claim.finish({ status: reply.statusCode, body: payload }) : claim.abandon(),
      );
      return payload;
    },
    async onResponse(request: FastifyRequest) {
      await settle(request, (claim) => claim.abandon());
    },
  };
}
