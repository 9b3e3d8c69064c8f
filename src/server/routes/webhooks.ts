/** The webhook inbox for admins: what providers sent, what came of it, and replaying a request. */
import type { FastifyInstance } from 'fastify';
import type { WebhookStatus } from '../../storage/index.js';
import type { Hub } from '../../runtime/hub.js';
import { listWebhooks, replayWebhook } from '../../runtime/webhook-inbox.js';
import { requireAdmin } from '../auth.js';
import { errorResponses, nullableTime, time } from '../schemas.js';

const STATUSES: readonly WebhookStatus[] = ['pending', 'processed', 'rejected', 'failed', 'duplicate'];

const webhookSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    connectionId: { type: 'string' },
    method: { type: 'string' },
    path: { type: 'string', description: "Below the connection's webhook URL, e.g. /events/call." },
    query: { type: 'object', additionalProperties: { type: 'string' } },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    body: { type: 'string', description: 'The raw body, exactly as received.' },
    receivedAt: time,
    status: {
      type: 'string',
      enum: STATUSES,
      description: 'duplicate: a retry within ten minutes, answered as the first and not applied again.',
    },
    responseStatus: { type: ['integer', 'null'] },
    responseBody: { type: ['string', 'null'] },
    parseResult: { description: 'What the module reported: {event, callRecord}; null before handling.' },
    error: { type: ['string', 'null'] },
    callId: { type: ['string', 'null'] },
    processedAt: nullableTime,
    attempts: { type: 'integer', description: 'How often handling began (crash recovery and replays add one).' },
  },
  required: [
    'id',
    'connectionId',
    'method',
    'path',
    'query',
    'headers',
    'body',
    'receivedAt',
    'status',
    'responseStatus',
    'responseBody',
    'parseResult',
    'error',
    'callId',
    'processedAt',
    'attempts',
  ],
} as const;

interface ListQuery {
  connectionId?: string;
  status?: WebhookStatus;
  cursor?: string;
  limit?: number;
}

const tags = ['webhooks'];

export function webhookInboxRoutes(hub: Hub) {
  return async (scope: FastifyInstance) => {
    scope.get<{ Querystring: ListQuery }>(
      '/api/v1/webhooks',
      {
        onRequest: requireAdmin,
        schema: {
          tags,
          summary: 'Received webhooks, newest first (admin)',
          querystring: {
            type: 'object',
            properties: {
              connectionId: { type: 'string', minLength: 1 },
              status: { type: 'string', enum: STATUSES },
              cursor: { type: 'string', minLength: 1, description: 'The nextCursor of the previous page.' },
              limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                items: { type: 'array', items: webhookSchema },
                nextCursor: { type: ['string', 'null'] },
              },
              required: ['items', 'nextCursor'],
            },
            ...errorResponses,
          },
        },
      },
      async (request) => listWebhooks(hub, request.query),
    );

    scope.post<{ Params: { id: number } }>(
      '/api/v1/webhooks/:id/replay',
      {
        onRequest: requireAdmin,
        schema: {
          tags,
          summary: 'Run a stored request through the module again; returns the answer and the updated row (admin)',
          params: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
          response: {
            200: {
              type: 'object',
              properties: {
                outcome: {
                  type: 'object',
                  properties: { status: { type: 'integer' }, body: { type: 'string' } },
                  required: ['status', 'body'],
                },
                webhook: webhookSchema,
              },
              required: ['outcome', 'webhook'],
            },
            ...errorResponses,
          },
        },
      },
      async (request) => replayWebhook(hub, request.params.id),
    );
  };
}
