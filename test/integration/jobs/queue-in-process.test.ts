/** Async import jobs on the in-process queue (no REDIS_URL), SQLite and PostgreSQL: see queue-suite.ts. */
import { DIALECTS } from '../../helpers/dialects.js';
import { describeJobQueue } from './queue-suite.js';

describeJobQueue(DIALECTS.map((dialect) => ({ name: `in-process, ${dialect}`, dialect, redis: false })));
