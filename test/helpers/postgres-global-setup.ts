/**
 * vitest globalSetup of the `integration` project: ONE PostgreSQL server for the whole run, its URL
 * provided to every worker as `pgUrl` (see dialects.ts). Started only when that project has test files
 * to run and `postgres` is in DIALECTS; `TEST_PG_URL` points at an existing server instead.
 */
import type { TestProject } from 'vitest/node';
import { parseDialects } from './dialect-list.js';
import { startPostgres } from './postgres-server.js';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!parseDialects(process.env.DIALECTS).includes('postgres')) {
    project.provide('pgUrl', null);
    return undefined;
  }
  if (process.env.TEST_PG_URL) {
    project.provide('pgUrl', process.env.TEST_PG_URL);
    return undefined;
  }
  const server = await startPostgres();
  project.provide('pgUrl', server.url);
  return () => server.stop();
}
