/**
 * What the commands that need the hub's services share (modules, secrets, webhook URLs): `--db`,
 * `--public-url` and `--json`, and a hub over the configured database, closed afterwards.
 */
import type { Command } from 'commander';
import pino from 'pino';
import { findConnector } from '../connectors/index.js';
import { createHub, type Hub } from '../runtime/hub.js';
import { loadConfig } from '../server/config.js';
import { openHubStore } from '../server/main.js';
import { withDbOptions, type DbFlags } from './db-command.js';

export interface HubFlags extends DbFlags {
  publicUrl?: string;
}

export function withHubOptions(command: Command): Command {
  return withDbOptions(command).option(
    '--public-url <url>',
    'where providers reach the hub, for webhook URLs (SWITCHBOARD_PUBLIC_URL)',
  );
}

/** Runs `work` on a hub over the configured database; the database is closed even when `work` fails. */
export async function withHub<T>(flags: HubFlags, work: (hub: Hub) => Promise<T>): Promise<T> {
  const config = loadConfig({
    ...(flags.db ? { db: flags.db } : {}),
    ...(flags.publicUrl ? { publicUrl: flags.publicUrl } : {}),
  });
  const { store, box } = await openHubStore(config);
  // Failures reach the user as the command's own message; the log only adds what is worse.
  const log = pino({ level: 'error' }, process.stderr);
  const hub = createHub({ store, box, log, publicUrl: config.publicUrl, findConnector });
  try {
    await hub.loadModules();
    return await work(hub);
  } finally {
    await hub.stop();
    await store.close();
  }
}
