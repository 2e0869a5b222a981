/**
 * Server-Sent Events on a hijacked Fastify reply (the performance stream, a job's progress): the
 * headers every stream needs — no caching or transforming proxy, nginx told not to buffer — and the
 * `event:`/`data:` framing.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

export interface EventStream {
  readonly raw: ServerResponse;
  send(event: string, data: unknown): void;
}

export function openEventStream(reply: FastifyReply): EventStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-content-type-options': 'nosniff',
    'x-accel-buffering': 'no',
  });
  return {
    raw,
    send: (event, data) => void raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
  };
}
