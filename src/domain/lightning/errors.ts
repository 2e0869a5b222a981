/**
 * Typed Lightning errors. Each is an AppError with a catalogue code, so the HTTP layer answers them
 * without knowing Lightning: auth/TLS/bad answers → 502, unreachable → 503, unknown invoice → 404.
 * Messages carry what the node said (LND's `message`), never the macaroon.
 */
import { AppError, type ProblemCode, type ProblemItem } from '../../errors.js';

export class LightningError extends AppError {
  constructor(code: ProblemCode, detail: string, extra: { cause?: unknown; errors?: ProblemItem[] } = {}) {
    super(code, detail, extra);
    this.name = new.target.name;
  }
}

/** The node refused our credentials (LND: 401/403, "verification failed", "cannot determine data from macaroon"). */
export class LightningAuthError extends LightningError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('bad_gateway', `Lightning node refused the credentials: ${message}. Check LND_MACAROON_HEX (an invoice or admin macaroon of this node, hex-encoded).`, options);
  }
}

/** The node's TLS certificate is not the pinned one (or not valid for its host name). */
export class LightningTlsError extends LightningError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('bad_gateway', `Lightning node's TLS certificate was refused: ${message}. Check LND_TLS_CERT_PATH and LND_REST_URL's host name.`, options);
  }
}

/** Connection refused, reset, DNS failure, timeout, or the node says it is not ready (wallet locked, starting). */
export class LightningUnavailableError extends LightningError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('dependency_down', `Lightning node is unavailable: ${message}`, options);
  }
}

/** The node answered, but with an error or a body we cannot use. */
export class LightningBackendError extends LightningError {
  constructor(
    message: string,
    readonly upstream: { status?: number; grpcCode?: number } = {},
    options: { cause?: unknown } = {},
  ) {
    super('bad_gateway', `Lightning node error: ${message}`, options);
  }
}

export class LightningInvoiceNotFoundError extends LightningError {
  constructor(readonly paymentHash: string) {
    super('not_found', `No invoice with payment hash ${paymentHash} on the Lightning node`);
  }
}

/** E.g. paying an expired or canceled invoice, canceling a paid one. */
export class LightningInvoiceStateError extends LightningError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/** A request the backend cannot issue (amount out of range, memo too long, …); `errors[].field` names it. */
export class LightningInvalidRequestError extends LightningError {
  constructor(readonly field: string, code: string, message: string) {
    super('invalid_input', message, { errors: [{ field, code, message }] });
  }
}
