/**
 * The real hub for connector end-to-end tests: the server listening on a port, an admin and two agents
 * (Anna, Boris) with API tokens, and typed reads of the REST API. The connection is the test's own.
 */
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { findConnector } from '../connectors/index.js';
import type { CallDetailsView, CallView } from '../runtime/call-view.js';
import { createHub, type Hub, type HubOptions } from '../runtime/hub.js';
import { createSecretBox } from '../runtime/secret-box.js';
import { createApiToken, createUser } from '../runtime/users.js';
import { buildApp } from '../server/app.js';
import { Counters } from '../server/metrics.js';
import type { Store } from '../storage/index.js';
import { closedPort } from './http-helpers.js';

export type Person = 'admin' | 'anna' | 'boris';

export interface RealHub {
  base: string;
  hub: Hub;
  app: FastifyInstance;
  /** API tokens by person. */
  tokens: Record<Person, string>;
  /** User ids of the agents. */
  ids: Record<Exclude<Person, 'admin'>, string>;
  /** A request as `who`, JSON content type, redirects not followed. */
  api(who: Person, path: string, init?: RequestInit): Promise<Response>;
  /** The JSON body of a 2xx reply; any other status throws with the body. */
  json<T = Record<string, unknown>>(who: Person, path: string, init?: RequestInit): Promise<T>;
  /** The calls `who` may see, newest first. */
  calls(who: Person): Promise<CallView[]>;
  /** The details of the call with this provider id, as the admin reads them. */
  callByExternalId(externalId: string): Promise<CallDetailsView>;
  /** Creates a connection through the API and binds extensions to the agents; returns its id and webhook URL. */
  connect(
    connectorId: string,
    settings: Record<string, unknown>,
    bindings: Partial<Record<Exclude<Person, 'admin'>, string>>,
  ): Promise<{ id: string; webhookUrl: string; webhookUpdate: unknown }>;
  close(): Promise<void>;
}

/** `options.eventSources`: the supervisor's pace, for connectors that keep a connection to the PBX. */
export async function startRealHub(store: Store, options: Pick<HubOptions, 'eventSources'> = {}): Promise<RealHub> {
  const port = await closedPort();
  const base = `http://127.0.0.1:${port}`;
  const log = pino({ level: 'silent' });
  const hub = createHub({
    store,
    box: createSecretBox('integration key material'),
    log,
    publicUrl: base,
    findConnector,
    ...options,
  });
  const app = await buildApp({ hub, logger: log, counters: new Counters() });
  await hub.start();
  await app.listen({ port, host: '127.0.0.1' });

  const tokens: RealHub['tokens'] = { admin: '', anna: '', boris: '' };
  const ids: RealHub['ids'] = { anna: '', boris: '' };
  for (const [name, role] of [
    ['admin', 'admin'],
    ['anna', 'agent'],
    ['boris', 'agent'],
  ] as const) {
    const { user } = await createUser(hub, { email: `${name}@example.com`, name, role, password: 'password-123' });
    tokens[name] = (await createApiToken(hub, user.id, 'test')).token;
    if (name !== 'admin') ids[name] = user.id;
  }

  const api: RealHub['api'] = (who, path, init = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      redirect: 'manual',
      headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json', ...init.headers },
    });
  const json: RealHub['json'] = async <T>(who: Person, path: string, init: RequestInit = {}) => {
    const response = await api(who, path, init);
    const body = (await response.json()) as T;
    if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path} → ${response.status} ${JSON.stringify(body)}`);
    return body;
  };
  const calls: RealHub['calls'] = async (who) =>
    (await json<{ items: CallView[] }>(who, '/api/v1/calls?limit=100')).items;

  return {
    base,
    hub,
    app,
    tokens,
    ids,
    api,
    json,
    calls,
    async callByExternalId(externalId) {
      const found = (await calls('admin')).find((c) => c.externalId === externalId);
      if (!found) throw new Error(`no call for the provider's id ${externalId}`);
      return json<CallDetailsView>('admin', `/api/v1/calls/${found.id}`);
    },
    async connect(connectorId, settings, bindings) {
      const saved = await json<{ id: string; webhookUrl: string; webhookUpdate: unknown }>(
        'admin',
        '/api/v1/connections',
        { method: 'POST', body: JSON.stringify({ connectorId, name: connectorId, settings }) },
      );
      await json('admin', `/api/v1/connections/${saved.id}/bindings`, {
        method: 'PUT',
        body: JSON.stringify(
          Object.entries(bindings).map(([who, extension]) => ({ extension, userId: ids[who as 'anna' | 'boris'] })),
        ),
      });
      return saved;
    },
    async close() {
      await app.close();
      await hub.stop();
    },
  };
}
