import { startBenchApp, adminToken, load } from './lib/app.js';
const app = await startBenchApp();
const token = await adminToken(app);
const h = await load({ url: app.url + '/api/health', duration: 3, connections: 10 });
console.log('health', h.rps, h.latency.p50);
const r = await load({ url: app.url, duration: 3, connections: 10, requests: [{ method: 'POST', path: '/api/validate', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ type: 'txid', value: '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b' }) }] });
console.log('validate', r.rps, r.latency.p50);
await app.close();
