/** Contacts: every signed-in user reads, creates and edits them; only admins delete. */
import type { FastifyInstance } from 'fastify';
import {
  createContact,
  deleteContact,
  getContact,
  importContactsCsv,
  listContacts,
  lookupContact,
  updateContact,
} from '../../runtime/contacts.js';
import type { Hub } from '../../runtime/hub.js';
import { queryPage, queryText, type QueryValues } from '../../runtime/list-query.js';
import { currentUser, requireAdmin, requireUser } from '../auth.js';

const IMPORT_LIMIT = 10 * 1024 * 1024;

interface WithId {
  Params: { id: string };
}

export function contactRoutes(hub: Hub) {
  return async (scope: FastifyInstance) => {
    scope.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: IMPORT_LIMIT }, (_request, body, done) =>
      done(null, body),
    );
    const user = { onRequest: requireUser };

    scope.get('/api/v1/contacts', user, async (request) => {
      const query = request.query as QueryValues;
      const search = queryText(query, 'search');
      const country = queryText(query, 'country');
      return listContacts(hub, {
        ...queryPage(query),
        ...(search === undefined ? {} : { search }),
        ...(country === undefined ? {} : { country }),
      });
    });
    scope.get('/api/v1/contacts/lookup', user, async (request) => {
      const query = request.query as QueryValues;
      return lookupContact(hub, queryText(query, 'phone') ?? '', queryText(query, 'country'));
    });
    scope.post('/api/v1/contacts', user, async (request, reply) => {
      return reply.status(201).send(await createContact(hub, currentUser(request), request.body));
    });
    scope.post('/api/v1/contacts/import', { ...user, bodyLimit: IMPORT_LIMIT }, async (request) => {
      const body = typeof request.body === 'string' ? request.body : '';
      const country = queryText(request.query as QueryValues, 'country');
      return importContactsCsv(hub, body, country === undefined ? {} : { country });
    });
    scope.get<WithId>('/api/v1/contacts/:id', user, async (request) => getContact(hub, request.params.id));
    scope.patch<WithId>('/api/v1/contacts/:id', user, async (request) =>
      updateContact(hub, request.params.id, request.body),
    );
    scope.delete<WithId>('/api/v1/contacts/:id', { onRequest: requireAdmin }, async (request, reply) => {
      await deleteContact(hub, request.params.id);
      return reply.status(204).send();
    });
  };
}
