/**
 * The webhook endpoint providers call: `/hooks/<connectionId>/<token>` and any sub-path below it
 * (Mango appends `/events/call`, …). The body reaches the module exactly as sent. Unknown connection,
 * wrong token or a disabled connection → 404 with nothing stored but a counter.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sameSecret } from '../../runtime/credentials.js';
import type { Hub } from '../../runtime/hub.js';
import type { Counters } from '../metrics.js';

interface HookParams {
  connectionId: string;
  token: string;
  '*'?: string;
}

export function hookRoutes(hub: Hub, counters: Counters) {
  return async (scope: FastifyInstance) => {
    // Every content type arrives as the raw string: signatures are computed over those bytes.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

    const handler = async (request: FastifyRequest<{ Params: HookParams }>, reply: FastifyReply) => {
      const { connectionId, token } = request.params;
      const connection = await hub.store.connections.get(connectionId);
      if (!connection || connection.enabled !== 1 || !sameSecret(token, connection.webhook_token)) {
        counters.inc('webhooks_refused');
        return reply.status(404).send({ error: { code: 'not_found', message: 'No such webhook' } });
      }
      if (hub.findConnector(connection.connector_id)?.eventSource) {
        // Its events come over the hub's own connection to the PBX; an HTTP request could only forge them.
        counters.inc('webhooks_refused');
        return reply.status(404).send({
          error: {
            code: 'not_found',
            message: 'This connection receives events over its own connection to the PBX, not webhooks',
          },
        });
      }
      counters.inc('webhooks_received', { connection: connection.id });
      const [, search = ''] = request.url.split('?');
      const answer = await hub.intake.receive(connection, {
        method: request.method,
        url: `${hub.publicUrl}${request.url}`,
        path: `/${request.params['*'] ?? ''}`.replace(/\/+$/, '') || '/',
        query: Object.fromEntries(new URLSearchParams(search)),
        headers: request.headers,
        body: typeof request.body === 'string' ? request.body : '',
      });
      if (answer.status >= 500) counters.inc('webhooks_failed', { connection: connection.id });
      else if (answer.status >= 400) counters.inc('webhooks_rejected', { connection: connection.id });
      return reply.status(answer.status).headers(answer.headers).send(answer.body);
    };

    const methods = ['GET', 'POST', 'PUT'] as const;
    scope.route({ method: [...methods], url: '/hooks/:connectionId/:token', handler });
    scope.route({ method: [...methods], url: '/hooks/:connectionId/:token/*', handler });
  };
}
