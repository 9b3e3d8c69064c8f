/**
 * ELMA365 script modules (admin): upload a script with its settings fields, and it becomes a connector
 * type in the connector picker; remove it once no connection uses it.
 */
import type { FastifyInstance } from 'fastify';
import type { Hub } from '../../runtime/hub.js';
import {
  getScriptModuleSource,
  installScriptModule,
  listScriptModules,
  removeScriptModule,
  type ScriptModuleInput,
} from '../../runtime/script-modules.js';
import { requireAdmin } from '../auth.js';
import { errorResponses, idParams } from '../schemas.js';
import { connectorSchema } from './connection-schemas.js';

interface IdRoute {
  Params: { id: string };
}

const tags = ['modules'];
const admin = { preHandler: requireAdmin };

const moduleSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'The connector id, ext-<name>.' },
    name: { type: 'string' },
    settings: connectorSchema.properties.settings,
    functions: { type: 'array', items: { type: 'string' }, description: 'The Voip functions the script declares.' },
    createdAt: { type: 'string' },
    connections: { type: 'integer', description: 'How many connections use it.' },
  },
  required: ['id', 'name', 'settings', 'functions', 'createdAt', 'connections'],
} as const;

const createBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    source: {
      type: 'string',
      minLength: 1,
      maxLength: 1_000_000,
      description: 'The script, TypeScript or JavaScript.',
    },
    settings: {
      type: 'array',
      maxItems: 50,
      description: 'Settings fields (Namespace.params.data); each needs at least a key.',
      items: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] },
    },
  },
  required: ['name', 'source'],
  additionalProperties: false,
} as const;

export function moduleRoutes(hub: Hub) {
  return async (scope: FastifyInstance) => {
    scope.get(
      '/api/v1/modules',
      {
        ...admin,
        schema: {
          tags,
          summary: 'Installed ELMA365 script modules (admin)',
          response: { 200: { type: 'array', items: moduleSchema }, ...errorResponses },
        },
      },
      async () => listScriptModules(hub, hub.modules),
    );

    scope.post<{ Body: ScriptModuleInput }>(
      '/api/v1/modules',
      {
        // Before the body is validated: a caller who may not install gets 401/403, not a schema error.
        preValidation: requireAdmin,
        bodyLimit: 2 * 1024 * 1024,
        schema: {
          tags,
          summary: 'Install a script module; it must parse and declare the five Voip functions (admin)',
          body: createBody,
          response: { 201: moduleSchema, ...errorResponses },
        },
      },
      async (request, reply) => reply.status(201).send(await installScriptModule(hub, hub.modules, request.body)),
    );

    scope.get<IdRoute>(
      '/api/v1/modules/:id/source',
      {
        ...admin,
        schema: {
          tags,
          summary: 'The script as uploaded (admin)',
          params: idParams,
          response: { 200: { type: 'string' }, ...errorResponses },
        },
      },
      async (request, reply) =>
        reply.type('text/plain; charset=utf-8').send(await getScriptModuleSource(hub, request.params.id)),
    );

    scope.delete<IdRoute>(
      '/api/v1/modules/:id',
      {
        ...admin,
        schema: {
          tags,
          summary: 'Remove a script module no connection uses (admin)',
          params: idParams,
          response: { 204: { type: 'null', description: 'Removed' }, ...errorResponses },
        },
      },
      async (request, reply) => {
        await removeScriptModule(hub, hub.modules, request.params.id);
        return reply.status(204).send();
      },
    );
  };
}
