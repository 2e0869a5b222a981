/** Redis key layout: `${prefix}:v${version}:${ns}:${k}` (k literal when short and printable, else hashed). */
import { createHash } from 'node:crypto';

const MAX_LITERAL = 64;
// Printable ASCII; a leading '#' is reserved for hashed keys so a literal key can never look like one.
const LITERAL = /^[\x20-\x7e]*$/;

export function keyPart(key: string): string {
  if (key.length <= MAX_LITERAL && key.charCodeAt(0) !== 35 && LITERAL.test(key)) return key;
  return `#${createHash('sha1').update(key).digest('base64url')}`;
}

export function namespaceKeyPrefix(prefix: string, version: number, ns: string): string {
  return `${prefix}:v${version}:${ns}:`;
}

/** SCAN MATCH pattern for every key of one namespace version. */
export function namespacePattern(prefix: string, version: number, ns: string): string {
  return `${namespaceKeyPrefix(prefix, version, ns).replace(/[*?[\]\\]/g, '\\$&')}*`;
}

export function invalidationChannel(prefix: string): string {
  return `${prefix}:cache:invalidate`;
}
