/**
 * One Satchel instance as its own process, for the SIGKILL test: settings from the environment as in
 * production (DATABASE_URL, REDIS_URL, INSTANCE_ID, PORT), plus the test's job timings and fast argon2
 * from SATCHEL_TEST_OPTIONS (JSON). Prints `{"listening":port}` once it serves. Not a test file.
 */
import { Argon2PasswordHasher } from '../../../src/adapters/password/argon2-hasher.js';
import { loadConfig } from '../../../src/config.js';
import { startSatchel, type StartOptions } from '../../../src/main.js';

const options = JSON.parse(process.env.SATCHEL_TEST_OPTIONS ?? '{}') as Pick<StartOptions, 'jobTimings' | 'jobQueuePrefix'>;
const satchel = await startSatchel(loadConfig(process.env), {
  listen: true,
  webRoot: null,
  logger: false,
  passwordHasher: new Argon2PasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 }),
  ...options,
});
const address = satchel.app.server.address();
process.stdout.write(`${JSON.stringify({ listening: typeof address === 'object' && address ? address.port : 0 })}\n`);
process.once('SIGTERM', () => void satchel.close().then(() => process.exit(0)));
