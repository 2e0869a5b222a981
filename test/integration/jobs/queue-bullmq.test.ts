/**
 * Async import jobs through BullMQ on a real redis-server (REDIS_URL set), PostgreSQL: see queue-suite.ts.
 * With Redis down, jobs still run (SPEC: a missing Redis degrades the cache, never jobs).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Satchel } from '../../../src/main.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../helpers/dialects.js';
import { startRedis, type RedisServerHandle } from '../../helpers/redis-server.js';
import { signedIn } from '../accounts/harness.js';
import { notesCsv, startJobsInstance, uploadAsync, waitForJob } from './harness.js';
import { describeJobQueue } from './queue-suite.js';

describeJobQueue(DIALECTS.includes('postgres') ? [{ name: 'BullMQ, postgres', dialect: 'postgres', redis: true }] : []);

describe.runIf(DIALECTS.includes('postgres'))('BullMQ queue with Redis down', () => {
  let database: TestDatabase;
  let redis: RedisServerHandle;
  let satchel: Satchel | undefined;

  afterAll(async () => {
    await satchel?.close();
    await redis?.stop();
    await database?.close();
  });

  it('still runs an async import (on the accepting instance) and shuts down cleanly', { timeout: 30_000 }, async () => {
    database = await openTestDatabase('postgres');
    redis = await startRedis();
    satchel = await startJobsInstance({ database, instanceId: 'alone', redisUrl: redis.url, queuePrefix: `jobs-down-${process.pid}` });
    const { token } = await signedIn(satchel.app, 'carol');
    await redis.kill();
    const jobId = await uploadAsync(satchel.app, token, notesCsv(300));
    expect(await waitForJob(satchel.app, token, jobId)).toMatchObject({ state: 'completed', report: { imported: 300 } });
    const closing = Date.now();
    await satchel.close();
    satchel = undefined;
    expect(Date.now() - closing).toBeLessThan(10_000);
  });
});
