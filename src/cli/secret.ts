/** `switchboard secret rotate`: a new key for the connection secrets stored in the database. */
import type { Command } from 'commander';
import { resealSecrets, rotateKeyFile } from '../runtime/key-rotation.js';
import { createSecretBox } from '../runtime/secret-box.js';
import { loadConfig } from '../server/config.js';
import { openHubStore } from '../server/main.js';
import { print, withDbOptions, type DbFlags } from './db-command.js';

export function addSecretCommands(program: Command): void {
  const secret = program.command('secret').description('The key that encrypts connection secrets');
  withDbOptions(
    secret
      .command('rotate')
      .description(
        'Seal every connection secret with a new key: a new key file, or SWITCHBOARD_NEW_SECRET when the key ' +
          'comes from SWITCHBOARD_SECRET',
      ),
  ).action(async (flags: DbFlags) => {
    const config = loadConfig({ ...(flags.db ? { db: flags.db } : {}) });
    const { store } = await openHubStore(config);
    try {
      if (!config.secret) {
        const count = await rotateKeyFile(store, config.keyFile);
        print(
          flags,
          { resealed: count, keyFile: config.keyFile, previousKeyFile: `${config.keyFile}.previous` },
          `Sealed ${count} secrets with a new key in ${config.keyFile}. The old key is kept in ` +
            `${config.keyFile}.previous so that running instances go on reading them: restart them, then delete it.`,
        );
        return;
      }
      const next = process.env.SWITCHBOARD_NEW_SECRET;
      if (!next) {
        throw new Error(
          'The key comes from SWITCHBOARD_SECRET: put the new one in SWITCHBOARD_NEW_SECRET and run again',
        );
      }
      const count = await resealSecrets(store, createSecretBox(next, [config.secret]));
      print(
        flags,
        { resealed: count },
        `Sealed ${count} secrets with the new key. Now start every instance with SWITCHBOARD_SECRET set to it ` +
          '(and SWITCHBOARD_PREVIOUS_SECRET set to the old one until all of them run on the new one).',
      );
    } finally {
      await store.close();
    }
  });
}
