/** The same contract against an L1-only cache and against L1 + a real redis-server. */
import { TieredCache } from '../../../src/cache/index.js';
import { startRedis } from '../../helpers/redis-server.js';
import { cacheContract } from './contract.js';

cacheContract("L1 only (no Redis), policy 'l1'", async () => {
  const cache = new TieredCache({});
  await cache.ready();
  return { cache, policy: 'l1', teardown: () => cache.close() };
});

cacheContract("L1 + Redis L2, policy 'l1'", async () => {
  const redis = await startRedis();
  const cache = new TieredCache({ redisUrl: redis.url });
  await cache.ready();
  return {
    cache,
    policy: 'l1',
    teardown: async () => {
      await cache.close();
      await redis.stop();
    },
  };
});

cacheContract("L1 + Redis L2, policy 'l1+l2'", async () => {
  const redis = await startRedis();
  const cache = new TieredCache({ redisUrl: redis.url, l2TimeoutMs: 2000 });
  await cache.ready();
  return {
    cache,
    policy: 'l1+l2',
    teardown: async () => {
      await cache.close();
      await redis.stop();
    },
  };
});
