/**
 * Live events over SSE: `GET /api/v1/events`. First a `snapshot` of the user's live calls, then the
 * user's bus events with their ids. A client reconnecting with `Last-Event-ID` first gets what it
 * missed from the event log. To lose nothing between the replay and live delivery, the stream
 * subscribes first and buffers, replays, then flushes the buffer without the ids already replayed.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { liveCallsFor } from '../../runtime/calls.js';
import type { DeliveredEvent } from '../../runtime/event-bus.js';
import type { Hub } from '../../runtime/hub.js';
import { currentUser, requireUser } from '../auth.js';

export const HEARTBEAT_MS = 25_000;
const REPLAY_PAGE = 500;

export function eventRoutes(hub: Hub) {
  return async (scope: FastifyInstance) => {
    const open = new Set<ServerResponse>();
    // Streams never go idle: end them so the server can close.
    scope.addHook('preClose', async () => {
      for (const stream of open) stream.end();
    });

    scope.get('/api/v1/events', { onRequest: requireUser }, async (request, reply) => {
      const userId = currentUser(request).id;
      const lastId = parseLastId(request.headers['last-event-id']);
      let lastSent = lastId;
      let buffer: DeliveredEvent[] | null = [];
      const send = (event: DeliveredEvent) => {
        if (event.id <= lastSent || raw.destroyed) return;
        lastSent = event.id;
        raw.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.payload)}\n\n`);
      };
      const unsubscribe = hub.bus.subscribe(userId, (event) => (buffer ? buffer.push(event) : send(event)));

      reply.hijack();
      const raw = reply.raw;
      open.add(raw);
      const heartbeat = setInterval(() => raw.destroyed || raw.write(': heartbeat\n\n'), HEARTBEAT_MS);
      raw.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(raw);
      });
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // Tells nginx not to buffer the stream.
        'x-accel-buffering': 'no',
      });

      try {
        const calls = await liveCallsFor(hub, userId);
        if (raw.destroyed) return;
        raw.write(`event: snapshot\ndata: ${JSON.stringify({ calls })}\n\n`);
        if (lastId > 0) {
          for (;;) {
            const missed = await hub.bus.replay(userId, lastSent, REPLAY_PAGE);
            missed.forEach(send);
            if (missed.length < REPLAY_PAGE) break;
          }
        }
        const pending = buffer;
        buffer = null;
        pending.forEach(send);
      } catch (error) {
        request.log.error({ err: error }, 'live events stream failed');
        raw.end();
      }
    });
  };
}

/** Last-Event-ID as sent by EventSource; anything but a whole number means "from now". */
function parseLastId(header: string | string[] | undefined): number {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^\d+$/.test(value.trim()) ? Number(value.trim()) : 0;
}
