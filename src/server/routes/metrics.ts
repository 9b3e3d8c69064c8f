/**
 * `GET /metrics` for Prometheus. Admins only (an API token of an admin, or an admin's session), unless
 * SWITCHBOARD_METRICS_PUBLIC=1 opens it for a scraper on a private network.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Hub } from '../../runtime/hub.js';
import { identify, requireAdmin } from '../auth.js';
import type { Counters } from '../metrics.js';
import { METRICS_CONTENT_TYPE, renderMetrics } from '../prometheus.js';
import { errorResponses } from '../schemas.js';

export function metricsRoutes(hub: Hub, counters: Counters, options: { public: boolean }) {
  // The app identifies callers under /api only; /metrics does it here.
  const adminOnly = async (request: FastifyRequest, reply: FastifyReply) => {
    request.principal = await identify(hub, request);
    await requireAdmin(request, reply);
  };

  return async (scope: FastifyInstance) => {
    scope.get(
      '/metrics',
      {
        ...(options.public ? {} : { onRequest: adminOnly }),
        schema: {
          tags: ['operations'],
          summary: options.public
            ? 'Prometheus metrics (open: SWITCHBOARD_METRICS_PUBLIC is set)'
            : "Prometheus metrics (an admin's API token; set SWITCHBOARD_METRICS_PUBLIC=1 to open it)",
          security: options.public ? [] : [{ bearerToken: [] }],
          response: {
            200: {
              description: 'The Prometheus text exposition format',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            ...errorResponses,
          },
        },
      },
      async (_request, reply) => {
        const [connections, calls, eventSources] = await Promise.all([
          hub.store.connections.list(),
          hub.store.calls.countByStatus(),
          hub.store.eventSources.list(),
        ]);
        const text = renderMetrics({
          counters,
          connectionIds: connections.map((connection) => connection.id),
          calls,
          latency: hub.latency.snapshot(),
          eventSources,
        });
        return reply.type(METRICS_CONTENT_TYPE).send(text);
      },
    );
  };
}
