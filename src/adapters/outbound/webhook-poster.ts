/**
 * POSTs a webhook body with node:http(s): no redirects followed (a 3xx is just a failed attempt), a hard
 * timeout, and every address the host resolves to checked at connect time by `allowAddress` (so a DNS
 * answer that changed since the URL was saved cannot point the request at a private address).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { WebhookPoster } from '../../domain/lightning/payment-webhooks.js';

export interface WebhookPosterOptions {
  /** What makes an address refused, or null when it may be connected to. */
  refuseAddress: (address: string) => string | null;
  timeoutMs?: number;
}

export function webhookPoster(options: WebhookPosterOptions): WebhookPoster {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const guardedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.map((a) => options.refuseAddress(a.address)).find((reason) => reason !== null);
      if (refused) return callback(Object.assign(new Error(`${hostname} resolves to ${refused}`), { code: 'EADDRREFUSED' }), '', 0);
      if (lookupOptions.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };

  return {
    post(url, body, headers) {
      return new Promise((resolve, reject) => {
        const target = new URL(url);
        const client = target.protocol === 'https:' ? https : http;
        const request = client.request(
          target,
          { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, lookup: guardedLookup, timeout: timeoutMs },
          (response) => {
            response.resume(); // the answer's body is not needed
            response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
            response.on('error', reject);
          },
        );
        request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        request.on('error', reject);
        request.end(body);
      });
    },
  };
}
