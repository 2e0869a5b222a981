/**
 * The catalogue of validation issue codes: every `code` a validator can return is defined here once,
 * with what it means. The UI and API key on these codes; test/unit/validation/codes.test.ts checks that
 * every code the validators emit is listed.
 */
export const VALIDATION_CODES = {
  // Shared by every string type.
  wrong_type: 'The value is not of the expected JSON type (e.g. a number where a string is expected).',
  empty: 'The value is an empty string.',
  too_long: 'The value is longer than this type allows; refused before any decoding.',
  too_short: 'The value is shorter than this type allows.',
  whitespace: 'The value contains whitespace (values are never trimmed).',
  invalid_characters: 'The value contains a character this type does not allow (including look-alike Unicode).',
  invalid_length: 'The decoded value has the wrong length.',
  invalid_checksum: 'The checksum does not match (base58check, bech32/bech32m, descriptor or BOLT 11).',
  mixed_case: 'A bech32 string mixes upper and lower case (BIP-173).',
  wrong_network: 'The value is valid but belongs to another network than the one requested.',
  internal_error: 'The validator failed unexpectedly; the value is treated as invalid.',

  // address
  unknown_prefix: 'The address prefix or version byte is not a Bitcoin address of any network.',
  invalid_witness_version: 'The segwit witness version is above 16.',
  invalid_program_length: 'The witness program length is not allowed for its version (BIP-141/BIP-350).',
  invalid_padding: 'The bech32 data has more than 4 bits of padding or non-zero padding (BIP-173).',
  wrong_encoding: 'Witness v0 must use bech32 and v1+ bech32m (BIP-350).',

  // xpub
  private_key_rejected: 'A private key (xprv-family, WIF or a private key byte) was given; it is never accepted.',
  unknown_version: 'The extended key version bytes are not a known SLIP-132 public version.',
  invalid_parent_fingerprint: 'A depth-0 extended key has a non-zero parent fingerprint (BIP-32).',
  invalid_child_index: 'A depth-0 extended key has a non-zero child index (BIP-32).',
  invalid_public_key: 'The public key is not a valid secp256k1 point in the expected encoding.',

  // descriptor
  invalid_syntax: 'The descriptor is not well formed.',
  unsupported_script: 'The descriptor uses a script Satchel does not watch (only pkh, sh(wpkh), wpkh and key-only tr).',
  invalid_key: 'The key expression is not a public key or extended public key.',
  invalid_key_origin: 'The key origin `[fingerprint/path]` is malformed (BIP-380).',
  invalid_derivation: 'A derivation step is malformed or out of range (BIP-380).',
  invalid_multipath: 'A `<a;b>` multipath step is malformed (BIP-389).',
  hardened_derivation: 'A hardened step after an extended public key needs the private key.',
  slip132_in_descriptor: 'Descriptors take xpub/tpub only; ypub, zpub and the other SLIP-132 prefixes are not allowed.',
  uncompressed_key: 'An uncompressed public key where only compressed keys are allowed (segwit, taproot).',

  // username, password
  common_password: 'The password is in the list of common passwords.',
  same_as_username: 'The password equals the username.',

  // amount
  not_integer: 'The number is not an integer.',
  out_of_range: 'The number is outside 1 … 2,100,000,000,000,000 sats.',

  // bolt11
  invalid_prefix: 'The invoice prefix is not ln + bc, tb, tbs or bcrt.',
  invalid_amount: 'The invoice amount is malformed, zero, below a millisatoshi, or above 21 million BTC.',
  invalid_field: 'A tagged field has the wrong length or malformed content (BOLT 11).',
  non_minimal_field: 'An x, c or 9 field is not minimally encoded (BOLT 11).',
  missing_field: 'A required field (p, s, or one of d/h) is missing (BOLT 11).',
  conflicting_fields: 'Both a d and an h field are present (BOLT 11).',
  unknown_required_feature: 'The invoice requires an even feature bit this reader does not know (BOLT 11).',
  invalid_signature: 'The signature does not verify or recover a public key (BOLT 11).',
} as const;

export type ValidationCode = keyof typeof VALIDATION_CODES;
