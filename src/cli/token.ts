/** `switchboard token create`: an API token for scripts, sent as `Authorization: Bearer <token>`. */
import type { Command } from 'commander';
import { createApiToken, findUserByEmail } from '../runtime/users.js';
import { print, withDbOptions, withStore, type DbFlags } from './db-command.js';

interface TokenCreateFlags extends DbFlags {
  email: string;
  name: string;
}

export function addTokenCommands(program: Command): void {
  const token = program.command('token').description('Manage API tokens');
  withDbOptions(
    token
      .command('create')
      .description('Create an API token for a user; it is printed once and stored only as a hash')
      .requiredOption('--email <email>', 'the user the token acts as')
      .option('--name <name>', 'what the token is for', 'CLI'),
  ).action(async (flags: TokenCreateFlags) => {
    await withStore(flags, async (store) => {
      const hub = { store, now: () => new Date() };
      const user = await findUserByEmail(hub, flags.email);
      const { token: secret, record } = await createApiToken(hub, user.id, flags.name);
      print(
        flags,
        { token: secret, id: record.id, userId: user.id, name: record.name, createdAt: record.created_at },
        `API token "${record.name}" for ${user.email} (shown once; send it as Authorization: Bearer <token>):\n${secret}`,
      );
    });
  });
}
