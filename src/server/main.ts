/** Composes and runs the hub: database, secrets, modules, HTTP. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { findConnector } from '../connectors/index.js';
import { openDatabase, type Store } from '../storage/index.js';
import { createHub, type Hub } from '../runtime/hub.js';
import { createSecretBox, loadKeyMaterial, loadPreviousKeys } from '../runtime/secret-box.js';
import { ensureFirstAdmin } from '../runtime/users.js';
import { buildApp } from './app.js';
import type { HubConfig } from './config.js';
import { Counters } from './metrics.js';

export interface RunningHub {
  hub: Hub;
  app: FastifyInstance;
  store: Store;
  /** The address it listens on, e.g. http://127.0.0.1:3000. */
  url: string;
  close(): Promise<void>;
}

export const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Opens the database named in the config (migrating it), with the secret box for its connections. */
export async function openHubStore(
  config: Pick<HubConfig, 'db' | 'secret' | 'previousSecret' | 'keyFile'>,
  log?: Logger,
) {
  const store = await openDatabase(config.db, log ? { log } : {});
  const box = createSecretBox(
    loadKeyMaterial(config.secret, config.keyFile),
    loadPreviousKeys(config.previousSecret, config.keyFile),
  );
  return { store, box };
}

export async function startHub(config: HubConfig, log: Logger = pino({ level: config.logLevel })): Promise<RunningHub> {
  const { store, box } = await openHubStore(config, log);
  const hub = createHub({ store, box, log, publicUrl: config.publicUrl, findConnector });
  await ensureAdmin(hub, config, log);
  const app = await buildApp({
    hub,
    logger: log,
    counters: new Counters(),
    metricsPublic: config.metricsPublic,
    trustProxy: config.trustProxy,
    ...(existsSync(WEB_ROOT) ? { webRoot: WEB_ROOT } : {}),
  });
  await hub.start();
  const address = await app.listen({ port: config.port, host: config.host });
  const url = address.replace('[::1]', 'localhost');
  return {
    hub,
    app,
    store,
    url,
    async close() {
      await app.close();
      await hub.stop();
      await store.close();
    },
  };
}

/** On an empty database: the first admin, from the environment or with a password printed once. */
async function ensureAdmin(hub: Hub, config: HubConfig, log: Logger): Promise<void> {
  const email = config.adminEmail ?? 'admin@localhost';
  const created = await ensureFirstAdmin(hub, { email, password: config.adminPassword });
  if (!created) return;
  log.info({ email: created.user.email }, 'created the first admin');
  if (created.generatedPassword !== undefined) {
    process.stdout.write(
      `\nFirst start: sign in as ${created.user.email} with the password ${created.generatedPassword}\n(shown once; change it after signing in)\n\n`,
    );
  }
}
