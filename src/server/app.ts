/**
 * The Fastify app: routes, auth, errors. No `listen` here — tests use `app.inject()`, main.ts listens.
 */
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import { HubError, toHubError } from '../runtime/errors.js';
import type { Hub } from '../runtime/hub.js';
import { registerApiDocs } from './api-docs.js';
import { identify } from './auth.js';
import type { Counters } from './metrics.js';
import { authRoutes } from './routes/auth.js';
import { callRoutes } from './routes/calls.js';
import { hookRoutes } from './routes/hooks.js';
import { userRoutes } from './routes/users.js';
import { connectionRoutes } from './routes/connections.js';
import { metricsRoutes } from './routes/metrics.js';
import { moduleRoutes } from './routes/modules.js';
import { webhookInboxRoutes } from './routes/webhooks.js';
import { schemaErrorFormatter } from './schemas.js';

export const BODY_LIMIT = 1024 * 1024;

export interface AppOptions {
  hub: Hub;
  logger: FastifyBaseLogger;
  counters: Counters;
  /** Serve the built web UI from this folder, when it exists. */
  webRoot?: string;
  /** Serve /metrics without authentication. */
  metricsPublic?: boolean;
  /** Whose X-Forwarded-* headers to believe; default `loopback`. */
  trustProxy?: string | boolean;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { hub } = options;
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: BODY_LIMIT,
    // Fastify's own per-request lines would log every URL twice; the onResponse hook below logs one line.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: options.trustProxy ?? 'loopback',
  });
  await app.register(cookie);
  app.setSchemaErrorFormatter(schemaErrorFormatter);
  await registerApiDocs(app);

  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/api/')) request.principal = await identify(hub, request);
  });
  // One line per request; never the headers or body (they carry tokens and signatures).
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        url: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        user: request.principal?.user.id,
      },
      'request',
    );
  });

  app.setErrorHandler((error, request, reply) => {
    const hubError = asHubError(error);
    if (hubError.code === 'internal') request.log.error({ err: error }, 'internal error');
    void reply.status(hubError.statusCode).send({ error: hubError.toJSON() });
  });
  app.setNotFoundHandler((request, reply) => {
    // The web UI routes in the browser: any other GET page gets its index.html.
    const page =
      request.method === 'GET' &&
      !/^\/(api|hooks)\//.test(request.url) &&
      !/\.\w+$/.test(request.url.split('?')[0] ?? '');
    if (options.webRoot && page) return reply.type('text/html').sendFile('index.html');
    return reply
      .status(404)
      .send({ error: { code: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}` } });
  });
  if (options.webRoot) await app.register(fastifyStatic, { root: options.webRoot, prefix: '/', wildcard: false });

  app.get('/healthz', async () => ({ ok: true }));
  await app.register(hookRoutes(hub, options.counters));
  await app.register(authRoutes(hub));
  await app.register(userRoutes(hub));
  await app.register(callRoutes(hub));
  await app.register(connectionRoutes(hub));
  await app.register(moduleRoutes(hub));
  await app.register(webhookInboxRoutes(hub));
  await app.register(metricsRoutes(hub, options.counters, { public: options.metricsPublic ?? false }));
  return app;
}

/** Fastify's own errors (bad JSON, body too large) keep their status, with our error shape. */
function asHubError(error: unknown): HubError {
  if (error instanceof HubError) return error;
  const fastifyError = error as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  if (fastifyError.statusCode === 413) {
    return new HubError('payload_too_large', `The body is over the limit of ${BODY_LIMIT / 1024} KiB`);
  }
  const status = fastifyError.statusCode ?? 500;
  const message = fastifyError.message ?? 'The request is invalid';
  if (status === 404) return new HubError('not_found', message);
  if (status === 429) return new HubError('rate_limited', message);
  if (status >= 400 && status < 500) return new HubError('validation', message, { field: 'body' });
  return toHubError(error);
}
