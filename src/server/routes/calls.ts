/**
 * Call history, recordings, click-to-call and today's numbers; registers the contacts and live-events
 * routes too. Agents see only the calls they took part in (see runtime/calls.ts).
 */
import type { FastifyInstance } from 'fastify';
import { callDetailsFor, listCalls, missedCount, recordingFor, todayStats } from '../../runtime/calls.js';
import { originate, originationFor } from '../../runtime/click-to-call.js';
import { HubError } from '../../runtime/errors.js';
import type { Hub } from '../../runtime/hub.js';
import { queryText, type QueryValues } from '../../runtime/list-query.js';
import { currentUser, requireUser } from '../auth.js';
import { sendRecording } from '../recording-stream.js';
import { contactRoutes } from './contacts.js';
import { eventRoutes } from './events.js';

interface WithId {
  Params: { id: string };
}

export function callRoutes(hub: Hub) {
  return async (scope: FastifyInstance) => {
    const user = { onRequest: requireUser };

    scope.get('/api/v1/calls', user, async (request) =>
      listCalls(hub, currentUser(request), request.query as QueryValues),
    );
    scope.get('/api/v1/calls/missed-count', user, async (request) => ({
      count: await missedCount(hub, currentUser(request).id, request.query as QueryValues),
    }));
    scope.get<WithId>('/api/v1/calls/:id', user, async (request) =>
      callDetailsFor(hub, currentUser(request), request.params.id),
    );
    // The UI asks with ?format=json to show why a recording cannot be played; players follow the redirect,
    // or get the audio itself when the connector fetches it with the connection's credentials (ARI).
    scope.get<WithId>('/api/v1/calls/:id/recording', user, async (request, reply) => {
      const found = await recordingFor(hub, currentUser(request), request.params.id);
      const json = queryText(request.query as QueryValues, 'format') === 'json';
      if (found.kind === 'link') return json ? { url: found.url } : reply.redirect(found.url, 302);
      if (!json) return sendRecording(reply, found.audio, request.headers.range);
      await found.audio.body.cancel();
      return { url: `/api/v1/calls/${encodeURIComponent(request.params.id)}/recording` };
    });
    scope.post('/api/v1/calls', user, async (request, reply) => {
      const body = (request.body ?? {}) as { to?: unknown; connectionId?: unknown };
      if (body.connectionId !== undefined && typeof body.connectionId !== 'string') {
        throw new HubError('validation', 'connectionId must be the id of a connection', { field: 'connectionId' });
      }
      const origination = await originate(hub, currentUser(request), body.to as string, body.connectionId);
      return reply.status(202).send({ originationId: origination.id, status: origination.status });
    });
    // The dial panel asks while the agent's phone should be ringing: the PBX may refuse the request later.
    scope.get<WithId>('/api/v1/originations/:id', user, async (request) =>
      originationFor(hub, currentUser(request), request.params.id),
    );
    scope.get('/api/v1/stats/today', user, async (request) => todayStats(hub, request.query as QueryValues));

    await scope.register(contactRoutes(hub));
    await scope.register(eventRoutes(hub));
  };
}
