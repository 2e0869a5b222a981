/**
 * The HTTP contract of /api/validate*: every hostile body gets a 4xx problem+json naming the field,
 * never a 5xx or a stack trace. Credentials are checked by a stand-in authenticator here; the real one
 * has its own tests under test/integration/accounts.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { TieredCache } from '../../../src/cache/index.js';
import { CachedValidator } from '../../../src/domain/validation/cached-validator.js';
import type { Authenticator, Principal } from '../../../src/domain/accounts/principal.js';
import { buildApp } from '../../../src/http/app.js';

const principal: Principal = { userId: 'u1', username: 'alice', role: 'user', scopes: ['read', 'write'], via: 'bearer' };
const authenticator: Authenticator = {
  fromSessionCookie: async () => null,
  fromBearer: async (token) => (token === 'good-token' ? principal : null),
};
const auth = { authorization: 'Bearer good-token' };

let app: FastifyInstance;
let cache: TieredCache;

beforeAll(async () => {
  cache = new TieredCache({});
  app = await buildApp({ config: loadConfig({}), validator: new CachedValidator(cache), authenticator, webRoot: null });
});
afterAll(async () => {
  await app.close();
  await cache.close();
});

function expectProblem(response: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number) {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(response.body);
  expect(body).toMatchObject({ status, type: expect.stringMatching(/^urn:satchel:problem:/), title: expect.any(String) });
  expect(response.body).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
  return body;
}

describe('POST /api/validate', () => {
  it('answers a valid address with its details', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/validate',
      headers: auth,
      payload: { type: 'address', value: 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      valid: true,
      type: 'address',
      normalized: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4',
      details: { network: 'mainnet', scriptType: 'p2wpkh', witnessVersion: 0 },
    });
  });

  it('answers an invalid value with 200 and the reason', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/validate',
      headers: auth,
      payload: { type: 'address', value: ' bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4' },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.valid).toBe(false);
    expect(body.errors[0].code).toEqual(expect.any(String));
  });

  it('refuses a valid address of another network with wrong_network', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/validate',
      headers: auth,
      payload: { type: 'address', value: 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', network: 'mainnet' },
    });
    expect(response.json()).toMatchObject({ valid: false, errors: [{ code: 'wrong_network' }] });
  });

  it('judges an amount given as a string as invalid, not coerced', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/validate', headers: auth, payload: { type: 'amount', value: '100' } });
    expect(response.statusCode).toBe(200);
    expect(response.json().valid).toBe(false);
    const ok = await app.inject({ method: 'POST', url: '/api/validate', headers: auth, payload: { type: 'amount', value: 100 } });
    expect(ok.json()).toMatchObject({ valid: true, normalized: '100' });
  });

  it('needs a signed-in user', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/validate', payload: { type: 'txid', value: 'x' } });
    expectProblem(response, 401);
    const bad = await app.inject({ method: 'POST', url: '/api/validate', headers: { authorization: 'Bearer nope' }, payload: { type: 'txid', value: 'x' } });
    expectProblem(bad, 401);
  });

  it.each([
    ['unknown type', { type: 'iban', value: 'x' }, 'type'],
    ['missing value', { type: 'address' }, 'value'],
    ['unknown property', { type: 'address', value: 'x', extra: 1 }, 'extra'],
    ['type given as a number', { type: 5, value: 'x' }, 'type'],
    ['network not known', { type: 'address', value: 'x', network: 'moon' }, 'network'],
    ['network null', { type: 'address', value: 'x', network: null }, 'network'],
  ])('refuses %s with 400 naming the field', async (_name, payload, field) => {
    const response = await app.inject({ method: 'POST', url: '/api/validate', headers: auth, payload });
    const body = expectProblem(response, 400);
    expect(body.errors[0].field).toBe(field);
  });

  it.each([
    ['an array body', '[1,2]'],
    ['a string body', '"address"'],
    ['null', 'null'],
  ])('refuses %s with 400', async (_name, payload) => {
    const response = await app.inject({ method: 'POST', url: '/api/validate', headers: { ...auth, 'content-type': 'application/json' }, payload });
    expectProblem(response, 400);
  });

  it('refuses broken JSON with invalid_json', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/validate',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"type": "address", "value": ',
    });
    expect(expectProblem(response, 400).type).toBe('urn:satchel:problem:invalid_json');
  });

  it('refuses an empty JSON body', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/validate', headers: { ...auth, 'content-type': 'application/json' }, payload: '' });
    expectProblem(response, 400);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/validate', headers: { ...auth, 'content-type': 'text/plain' }, payload: 'hello' });
    expectProblem(response, 415);
  });

  it('refuses a body over the limit with 413', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/validate',
      headers: auth,
      payload: { type: 'address', value: 'x'.repeat(2 * 1024 * 1024) },
    });
    expectProblem(response, 413);
  });
});

describe('POST /api/validate/batch', () => {
  it('judges each value on its own and counts', async () => {
    const values = ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'nope', 42, null, { a: 1 }, '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2'];
    const response = await app.inject({ method: 'POST', url: '/api/validate/batch', headers: auth, payload: { type: 'address', values } });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.results.map((r: { valid: boolean }) => r.valid)).toEqual([true, false, false, false, false, true]);
    expect(body.stats).toMatchObject({ valid: 2, invalid: 4 });
    for (const result of body.results.slice(1, 5)) expect(result.errors[0].code).toEqual(expect.any(String));
  });

  it('reports cache hits on a repeated batch', async () => {
    const payload = { type: 'txid', values: ['a'.repeat(64), 'b'.repeat(64)] };
    await app.inject({ method: 'POST', url: '/api/validate/batch', headers: auth, payload });
    const second = await app.inject({ method: 'POST', url: '/api/validate/batch', headers: auth, payload });
    expect(second.json().stats.cacheHits).toBe(2);
  });

  it('accepts 10,000 values', async () => {
    const values = Array.from({ length: 10_000 }, (_, i) => i.toString(16).padStart(64, '0'));
    const response = await app.inject({ method: 'POST', url: '/api/validate/batch', headers: auth, payload: { type: 'txid', values } });
    expect(response.statusCode).toBe(200);
    expect(response.json().stats.valid).toBe(10_000);
  });

  it('refuses 20,001 values with 400 naming values', async () => {
    const values = Array.from({ length: 20_001 }, () => 'a');
    const response = await app.inject({ method: 'POST', url: '/api/validate/batch', headers: auth, payload: { type: 'txid', values } });
    const body = expectProblem(response, 400);
    expect(body.errors[0]).toMatchObject({ field: 'values', code: 'too_many_items' });
  });

  it.each([
    ['values not an array', { type: 'txid', values: 'abc' }, 'values'],
    ['values missing', { type: 'txid' }, 'values'],
    ['type missing', { values: [] }, 'type'],
  ])('refuses %s with 400', async (_name, payload, field) => {
    const response = await app.inject({ method: 'POST', url: '/api/validate/batch', headers: auth, payload });
    expect(expectProblem(response, 400).errors[0].field).toBe(field);
  });
});

describe('every answer', () => {
  it('carries security headers', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', network: 'mainnet' });
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    // Plain HTTP on a LAN address must keep working: no upgrade of every asset request to https.
    expect(response.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });

  it('answers an unknown API route with a 404 problem', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/api/nope', headers: auth }), 404);
  });
});
