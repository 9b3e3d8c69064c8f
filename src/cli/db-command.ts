/** What the data commands share: `--db` and `--json`, opening the store and closing it afterwards. */
import type { Command } from 'commander';
import type { Store } from '../storage/index.js';
import { loadConfig } from '../server/config.js';
import { openHubStore } from '../server/main.js';

export interface DbFlags {
  db?: string;
  json?: boolean;
}

export function withDbOptions(command: Command): Command {
  return command
    .option('--db <target>', 'SQLite file or postgres:// URL (SWITCHBOARD_DB)')
    .option('--json', 'print JSON instead of text');
}

/** Runs `work` on the configured database, closed afterwards even when `work` fails. */
export async function withStore<T>(flags: DbFlags, work: (store: Store) => Promise<T>): Promise<T> {
  const { store } = await openHubStore(loadConfig({ ...(flags.db ? { db: flags.db } : {}) }));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** JSON with `--json`, else the human text. */
export function print(flags: DbFlags, json: unknown, text: string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);
}
