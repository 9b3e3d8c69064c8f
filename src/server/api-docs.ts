/**
 * The OpenAPI document, built from the route schemas of every route registered after it:
 * `GET /api/v1/openapi.json`, and Swagger UI at `/api/docs` (its assets ship in the npm package,
 * so it works offline).
 */
import { createRequire } from 'node:module';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { SESSION_COOKIE } from './auth.js';
import { errorBody } from './schemas.js';

export const OPENAPI_PATH = '/api/v1/openapi.json';
export const DOCS_PATH = '/api/docs';

/** The default for every route: signed in by API token or session cookie. */
const signedIn: Array<Record<string, string[]>> = [{ bearerToken: [] }, { sessionCookie: [] }];

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Register before any route: the document collects routes as they are added. Adds the shared schemas too. */
export async function registerApiDocs(app: FastifyInstance): Promise<void> {
  app.addSchema(errorBody);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard API',
        version,
        description:
          'JSON over HTTP. Authenticate with `Authorization: Bearer <API token>` (scripts) or the session ' +
          'cookie (the web UI; writes then need the `X-CSRF-Token` header). Lists are `{items, nextCursor}`: ' +
          'pass `nextCursor` back as `cursor` for the next page. Times are ISO-8601 UTC strings.',
      },
      components: {
        securitySchemes: {
          bearerToken: { type: 'http', scheme: 'bearer', description: 'An API token (`switchboard token create`).' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        },
      },
      security: signedIn,
    },
    // Shared schemas appear under their $id: #/components/schemas/Error.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
    // Everything outside /api is reached without a user: health, provider webhooks, metrics.
    transform: ({ schema, url }) => ({
      url,
      schema: url.startsWith('/api/') ? schema : { ...schema, security: schema?.security ?? [] },
    }),
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PATH });
  app.get(OPENAPI_PATH, { schema: { tags: ['docs'], summary: 'This document', security: [] } }, async () =>
    app.swagger(),
  );
}
