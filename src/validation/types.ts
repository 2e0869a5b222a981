/** Shared shapes of the validation library. Browser-safe: no Node-only imports anywhere under src/validation. */

export const VALIDATION_TYPES = [
  'address',
  'xpub',
  'descriptor',
  'txid',
  'username',
  'password',
  'amount',
  'bolt11',
] as const;
export type ValidationType = (typeof VALIDATION_TYPES)[number];

export const NETWORKS = ['mainnet', 'testnet', 'signet', 'regtest'] as const;
export type Network = (typeof NETWORKS)[number];

/** One reason a value is invalid. `code` is stable (the UI and API key on it); `message` is for people. */
export interface ValidationIssue {
  code: string;
  message: string;
}

export interface ValidationResult {
  valid: boolean;
  /** Canonical form of a valid value (e.g. lower-case bech32, descriptor with checksum). */
  normalized?: string;
  /** Facts found while checking (network, scriptType, …). */
  details?: Record<string, unknown>;
  errors?: ValidationIssue[];
}

export interface ValidateOptions {
  /** When given, a valid value of another network is invalid with code `wrong_network`. */
  network?: Network;
  /** Password checks only: the account's username, which the password must not equal. Never echoed. */
  username?: string;
}

/** A validator takes the value exactly as given (never trimmed) and never throws. */
export type Validator = (value: unknown, options?: ValidateOptions) => ValidationResult;
