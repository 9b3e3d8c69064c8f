/**
 * Connector types (any signed-in user: the UI draws forms from them) and connections (admins): the
 * admin's Test connection, Configure (members, bindings) and Save buttons. Settings secrets are never
 * sent back in clear.
 */
import type { FastifyInstance } from 'fastify';
import { connectors } from '../../connectors/index.js';
import { bindingViews, connectionStatusView, connectionStatusViews } from '../../runtime/connection-views.js';
import {
  createConnection,
  deleteConnection,
  getBindings,
  getConnection,
  getMembers,
  rotateToken,
  setBindings,
  testConnection,
  updateConnection,
  type ConnectionInput,
  type SavedConnection,
} from '../../runtime/connections.js';
import type { Hub } from '../../runtime/hub.js';
import { requireAdmin, requireUser } from '../auth.js';
import { errorResponses, idParams } from '../schemas.js';
import {
  bindingsSchema,
  connectionSchema,
  connectorSchema,
  createConnectionBody,
  membersSchema,
  savedConnectionSchema,
  testResultSchema,
  updateConnectionBody,
} from './connection-schemas.js';

interface IdRoute {
  Params: { id: string };
}

const tags = ['connections'];
const admin = { onRequest: requireAdmin };

export function connectionRoutes(hub: Hub) {
  const saved = async ({ connection, webhookUpdate }: SavedConnection) => ({
    ...(await connectionStatusView(hub, connection)),
    webhookUpdate,
  });

  return async (scope: FastifyInstance) => {
    scope.get(
      '/api/v1/connectors',
      {
        onRequest: requireUser,
        schema: {
          tags,
          summary: 'Connector types with their settings forms',
          response: { 200: { type: 'array', items: connectorSchema }, ...errorResponses },
        },
      },
      async () => connectors.map(({ id, name, docsUrl, settings }) => ({ id, name, docsUrl, settings })),
    );

    scope.get(
      '/api/v1/connections',
      {
        ...admin,
        schema: {
          tags,
          summary: 'All connections, oldest first (admin)',
          response: { 200: { type: 'array', items: connectionSchema }, ...errorResponses },
        },
      },
      async () => connectionStatusViews(hub, await hub.store.connections.list()),
    );

    scope.post<{ Body: ConnectionInput }>(
      '/api/v1/connections',
      {
        ...admin,
        schema: {
          tags,
          summary: 'Add a connection; the module is told its webhook URL (admin)',
          body: createConnectionBody,
          response: { 201: savedConnectionSchema, ...errorResponses },
        },
      },
      async (request, reply) => reply.status(201).send(await saved(await createConnection(hub, request.body))),
    );

    scope.get<IdRoute>(
      '/api/v1/connections/:id',
      {
        ...admin,
        schema: {
          tags,
          summary: 'One connection (admin)',
          params: idParams,
          response: { 200: connectionSchema, ...errorResponses },
        },
      },
      async (request) => connectionStatusView(hub, await getConnection(hub, request.params.id)),
    );

    scope.patch<IdRoute & { Body: ConnectionInput }>(
      '/api/v1/connections/:id',
      {
        ...admin,
        schema: {
          tags,
          summary: 'Save changes; a failure to register the webhook URL is reported, not fatal (admin)',
          params: idParams,
          body: updateConnectionBody,
          response: { 200: savedConnectionSchema, ...errorResponses },
        },
      },
      async (request) => saved(await updateConnection(hub, request.params.id, request.body)),
    );

    scope.delete<IdRoute>(
      '/api/v1/connections/:id',
      {
        ...admin,
        schema: {
          tags,
          summary: 'Delete a connection with its calls, webhooks and bindings (admin)',
          params: idParams,
          response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses },
        },
      },
      async (request, reply) => {
        await deleteConnection(hub, request.params.id);
        return reply.status(204).send();
      },
    );

    scope.post<IdRoute>(
      '/api/v1/connections/:id/test',
      {
        ...admin,
        schema: {
          tags,
          summary: 'Test connection: a failure is a result with a reason, not an error (admin)',
          params: idParams,
          response: { 200: testResultSchema, ...errorResponses },
        },
      },
      async (request) => testConnection(hub, request.params.id),
    );

    scope.get<IdRoute>(
      '/api/v1/connections/:id/members',
      {
        ...admin,
        schema: {
          tags,
          summary: "The PBX's users; a provider failure is a 502 with the provider's message (admin)",
          params: idParams,
          response: { 200: membersSchema, ...errorResponses },
        },
      },
      async (request) => getMembers(hub, request.params.id),
    );

    scope.get<IdRoute>(
      '/api/v1/connections/:id/bindings',
      {
        ...admin,
        schema: {
          tags,
          summary: 'Extensions bound to users (admin)',
          params: idParams,
          response: { 200: bindingsSchema, ...errorResponses },
        },
      },
      async (request) => bindingViews(await getBindings(hub, request.params.id)),
    );

    scope.put<IdRoute & { Body: Array<{ extension: string; userId: string }> }>(
      '/api/v1/connections/:id/bindings',
      {
        ...admin,
        schema: {
          tags,
          summary: 'Replace all bindings; applies from the next webhook (admin)',
          params: idParams,
          body: bindingsSchema,
          response: { 200: bindingsSchema, ...errorResponses },
        },
      },
      async (request) => bindingViews(await setBindings(hub, request.params.id, request.body)),
    );

    scope.post<IdRoute>(
      '/api/v1/connections/:id/rotate-token',
      {
        ...admin,
        schema: {
          tags,
          summary: 'A new webhook token: the old webhook URL stops working at once (admin)',
          params: idParams,
          response: { 200: savedConnectionSchema, ...errorResponses },
        },
      },
      async (request) => saved(await rotateToken(hub, request.params.id)),
    );
  };
}
