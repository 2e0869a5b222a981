/** Pure rules of the accounts: credential shapes, scopes by role, throttle keys. */
import { describe, expect, it } from 'vitest';
import { accountThrottleKey, clientThrottleKey, effectiveScopes, scopesForRole } from '../../../src/domain/accounts/policy.js';
import { API_TOKEN_PREFIX, credentialKind, hashSecret, LOGIN_TOKEN_PREFIX, newSecret } from '../../../src/domain/accounts/secrets.js';
import { verdictOf } from '../../../src/adapters/db/login-throttle.js';

describe('credentials', () => {
  it('makes 32 random bytes in base64url with a prefix that names the kind', () => {
    const api = newSecret(API_TOKEN_PREFIX);
    const login = newSecret(LOGIN_TOKEN_PREFIX);
    const cookie = newSecret();
    expect(api).toMatch(/^sat_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(api.slice(4), 'base64url')).toHaveLength(32);
    expect([credentialKind(api), credentialKind(login), credentialKind(cookie)]).toEqual(['api-token', 'login-token', 'cookie']);
    expect(newSecret()).not.toBe(cookie);
  });

  it.each(['', 'sat_', 'sat_short', `sat_${'a'.repeat(44)}`, `sas_${'='.repeat(43)}`, 'a'.repeat(42), 'Bearer x'])(
    'refuses %j as any credential',
    (value) => expect(credentialKind(value)).toBeNull(),
  );

  it('stores the sha256 hex, never the secret', () => {
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('scopes', () => {
  it('gives sessions every scope their role allows', () => {
    expect(scopesForRole('admin')).toEqual(['read', 'write', 'admin']);
    expect(scopesForRole('user')).toEqual(['read', 'write']);
  });

  it('drops the admin scope of a token whose owner is no longer admin', () => {
    expect(effectiveScopes(['read', 'admin'], 'user')).toEqual(['read']);
    expect(effectiveScopes(['read', 'admin'], 'admin')).toEqual(['read', 'admin']);
  });
});

describe('throttle keys', () => {
  it('names accounts case-insensitively by hash', () => {
    expect(accountThrottleKey('Alice')).toBe(accountThrottleKey('alice'));
    expect(accountThrottleKey('alice')).not.toContain('alice');
  });

  it('counts IPv4 per address (mapped or not) and IPv6 per /64', () => {
    expect(clientThrottleKey('192.0.2.1')).toBe('192.0.2.1');
    expect(clientThrottleKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(clientThrottleKey('2001:db8:1:2:3:4:5:6')).toBe('2001:0db8:0001:0002::/64');
    expect(clientThrottleKey('2001:db8:1:2::9')).toBe(clientThrottleKey('2001:db8:1:2:ffff::1'));
    expect(clientThrottleKey('2001:db8::1')).toBe('2001:0db8:0000:0000::/64');
  });

  it('blocks on the counter at its limit, for the longest remaining window', () => {
    expect(verdictOf([{ count: 4, limit: 5, remainingMs: 1000 }])).toEqual({ blocked: false, retryAfterS: 0 });
    expect(verdictOf([{ count: 5, limit: 5, remainingMs: 1500 }, { count: 20, limit: 20, remainingMs: 9000 }])).toEqual({ blocked: true, retryAfterS: 9 });
    expect(verdictOf([{ count: 9, limit: 5, remainingMs: 0 }])).toEqual({ blocked: false, retryAfterS: 0 });
  });
});
