/**
 * `GET /metrics` for Prometheus. Admins only (an API token of an admin, or an admin's session), unless
 * SWITCHBOARD_METRICS_PUBLIC=1 opens it for a scraper on a private network.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Hub } from '../../runtime/hub.js';
import type { CallCount } from '../../storage/calls-repo.js';
import { identify, requireAdmin } from '../auth.js';
import type { Counters } from '../metrics.js';
import { METRICS_CONTENT_TYPE, renderMetrics } from '../prometheus.js';
import { errorResponses } from '../schemas.js';

/**
 * Counting the ended calls reads every stored call's index entry (a large history makes that tens of ms, and
 * on SQLite webhooks wait meanwhile), so that count is taken again at most this often; the live ones, a few
 * index entries, on every scrape.
 */
const ENDED_COUNT_MS = 60_000;

export function metricsRoutes(hub: Hub, counters: Counters, options: { public: boolean }) {
  let ended: { at: number; counts: CallCount[] } | undefined;
  const callCounts = async (connectionIds: string[]): Promise<CallCount[]> => {
    const now = hub.now().getTime();
    if (ended === undefined || now - ended.at >= ENDED_COUNT_MS) {
      ended = { at: now, counts: await hub.store.calls.countByStatus({ statuses: ['ended'] }) };
    }
    const live = await hub.store.calls.countByStatus({ connectionIds, statuses: ['ringing', 'talking'] });
    return [...live, ...ended.counts];
  };

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
        const [connections, eventSources] = await Promise.all([
          hub.store.connections.list(),
          hub.store.eventSources.list(),
        ]);
        const connectionIds = connections.map((connection) => connection.id);
        const calls = await callCounts(connectionIds);
        const text = renderMetrics({
          counters,
          connectionIds,
          calls,
          latency: hub.latency.snapshot(),
          eventSources,
        });
        return reply.type(METRICS_CONTENT_TYPE).send(text);
      },
    );
  };
}
