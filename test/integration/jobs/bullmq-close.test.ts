/**
 * BullMqJobQueue.close() with Redis gone ends the Redis clients BullMQ opened: nothing keeps
 * reconnecting in the background afterwards (a QUIT refused while Redis is away used to leave ioredis
 * retrying for the life of the process). Real redis-server; after the close its port is held by a plain
 * TCP listener that counts connection attempts.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { BullMqJobQueue } from '../../../src/adapters/jobs/bullmq-queue.js';
import { startRedis, type RedisServerHandle } from '../../helpers/redis-server.js';

let redis: RedisServerHandle | undefined;
let listener: Server | undefined;

afterAll(async () => {
  await new Promise((resolve) => (listener ? listener.close(resolve) : resolve(undefined)));
  await redis?.stop();
});

it('makes no connection attempt after close() when Redis went away', { timeout: 20_000 }, async () => {
  redis = await startRedis();
  const queue = new BullMqJobQueue({ redisUrl: redis.url, concurrency: 1, prefix: `close-${process.pid}`, closeTimeoutMs: 500 });
  queue.start(async () => undefined);
  // The queue's client, the worker's and the worker's blocking one.
  const probe = new Redis(redis.url);
  await expect.poll(async () => ((await probe.client('LIST')) as string).trim().split('\n').length, { timeout: 10_000 }).toBe(4);
  probe.disconnect();

  await redis.kill();
  await queue.close();

  const attempts: Socket[] = [];
  listener = createServer((socket) => {
    attempts.push(socket);
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener!.listen(redis!.port, '127.0.0.1', resolve));
  // BullMQ's retry strategy waits e^n s (at least 1 s) between attempts: the first comes within 3 s.
  await sleep(3_500);
  expect(attempts.length).toBe(0);
});
