/**
 * GET /api/jobs/:id (SPEC: `{state, processed, total?, report?}`) and GET /api/jobs/:id/events, a
 * Server-Sent Events stream of the same view each time it changes, ending with the job (issue 5: "an
 * SSE stream for the UI"). Both read the job row in the database, so any instance can answer for a job
 * any other instance runs. Owner-scoped: another user's job is 404.
 */
import type { FastifyInstance } from 'fastify';
import type { JobService } from '../../../domain/jobs/job-service.js';
import { openEventStream } from '../../event-stream.js';
import { principalOf } from '../auth/routes.js';
import { jobParams } from './schemas.js';

export function registerJobRoutes(app: FastifyInstance, jobs: JobService, options: { eventsIntervalMs?: number } = {}): void {
  const read = { access: 'user', scope: 'read' } as const;
  // A stream open at shutdown is ended, so closing the server does not wait for the job.
  const streams = new Set<AbortController>();
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.abort();
  });

  app.get<{ Params: { id: string } }>('/api/jobs/:id', { schema: { params: jobParams }, config: read }, async (request) =>
    jobs.view(principalOf(request).userId, request.params.id),
  );

  app.get<{ Params: { id: string } }>('/api/jobs/:id/events', { schema: { params: jobParams }, config: read }, async (request, reply) => {
    const userId = principalOf(request).userId;
    await jobs.view(userId, request.params.id); // 404 as a problem, before the stream starts
    const stop = new AbortController();
    streams.add(stop);
    request.raw.on('close', () => stop.abort());
    const stream = openEventStream(reply);
    try {
      for await (const view of jobs.watch(userId, request.params.id, { signal: stop.signal, ...(options.eventsIntervalMs ? { intervalMs: options.eventsIntervalMs } : {}) })) {
        if (stop.signal.aborted) break;
        stream.send('job', view);
      }
    } catch (error) {
      request.log.warn({ err: error }, 'job event stream ended by an error');
    } finally {
      streams.delete(stop);
      stream.raw.end();
    }
  });
}
