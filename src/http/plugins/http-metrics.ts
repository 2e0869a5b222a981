/** Records every answered request into the performance metrics, labelled by route pattern (not raw URL). */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Metrics } from '../../perf/metrics.js';

async function httpMetrics(app: FastifyInstance, options: { metrics: Metrics }): Promise<void> {
  const { metrics } = options;
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime);
    done();
  });
}

export default fp(httpMetrics, { name: 'http-metrics' });
