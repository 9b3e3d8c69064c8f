/** Users: admins list, add, change and delete them; an agent may change their own name, language, time zone and password. */
import type { FastifyInstance } from 'fastify';
import type { Hub } from '../../runtime/hub.js';
import { createUser, deleteUser, listUsers, pickUserInput, updateUser, userView } from '../../runtime/users.js';
import { currentUser, requireAdmin, requireUser } from '../auth.js';

interface IdParams {
  id: string;
}

export function userRoutes(hub: Hub) {
  return async (scope: FastifyInstance) => {
    scope.get('/api/v1/users', { onRequest: requireAdmin }, async () => ({
      items: await listUsers(hub),
      nextCursor: null,
    }));

    scope.post('/api/v1/users', { onRequest: requireAdmin }, async (request, reply) => {
      const { user, generatedPassword } = await createUser(hub, pickUserInput(request.body));
      const view = await userView(hub, user);
      // A generated password is shown this once; it is not stored anywhere readable.
      return reply.status(201).send(generatedPassword === undefined ? view : { ...view, generatedPassword });
    });

    scope.patch<{ Params: IdParams }>('/api/v1/users/:id', { onRequest: requireUser }, async (request) => {
      const input = pickUserInput(request.body);
      const user = await updateUser(hub, currentUser(request), request.params.id, input, request.principal?.sessionId);
      return userView(hub, user);
    });

    scope.delete<{ Params: IdParams }>('/api/v1/users/:id', { onRequest: requireAdmin }, async (request, reply) => {
      await deleteUser(hub, request.params.id);
      return reply.status(204).send();
    });
  };
}
