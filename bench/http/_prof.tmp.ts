import { performance } from 'node:perf_hooks';
import { startBenchApp, adminToken } from '../lib/app.js';
import { Argon2PasswordHasher } from '../../src/adapters/password/argon2-hasher.js';
const app = await startBenchApp({ invoiceConcurrency: Number(process.env.CONC ?? 8), passwordHasher: new Argon2PasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 }) });
const token = await adminToken(app);
const userId = (await app.satchel.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } })).json().user.id;
const items = (t: string) => Array.from({ length: 1000 }, (_, i) => ({ amountSat: 1 + i, memo: `${t} ${i}` }));
for (let r = 0; r < 10; r++) {
  const t0 = performance.now();
  await app.satchel.invoices.createBulk(userId, items(`r${r}`));
  console.log(r, (performance.now() - t0).toFixed(0), 'ms');
}
await app.close();
