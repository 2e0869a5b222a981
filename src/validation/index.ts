/**
 * The validation library: one pure, browser-safe validator per type (SPEC: Validation), used alike by
 * the server, the CLI and the web forms.
 */
import { describeType, invalid } from './result.js';
import { VALIDATION_TYPES, type ValidateOptions, type ValidationResult, type ValidationType } from './types.js';
import { validators } from './validators.js';

export { validators };

export function isValidationType(x: unknown): x is ValidationType {
  return typeof x === 'string' && (VALIDATION_TYPES as readonly string[]).includes(x);
}

/** Validates one value. An unknown `type` is reported in the result, not thrown. */
export function validate(type: ValidationType, value: unknown, options?: ValidateOptions): ValidationResult {
  if (!isValidationType(type)) return invalid('wrong_type', 'validate', `unknown validation type (${describeType(type)})`);
  return validators[type](value, options);
}

export { batchValidate } from './batch.js';
export { VALIDATION_CODES, type ValidationCode } from './codes.js';
export { addressScriptPubKey, decodeAddress, type AddressScriptType, type DecodedAddress } from './address.js';
export { isLikelySecret, parseExtendedPublicKey, XPUB_VERSIONS, type ExtendedPublicKey, type XpubScriptType } from './xpub.js';
export {
  descriptorChecksum,
  parseDescriptor,
  type DerivationStep,
  type DescriptorKey,
  type DescriptorScriptType,
  type KeyOrigin,
  type ParsedDescriptor,
} from './descriptor.js';
export { decodeBolt11, type DecodedBolt11, type RouteHintHop } from './bolt11.js';
export { isCommonPassword } from './password.js';
export type { Parsed } from './result.js';
export * from './types.js';
