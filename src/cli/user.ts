/** `switchboard user add`: create users from the shell, e.g. an admin on a fresh install. */
import type { Command } from 'commander';
import { createUser, userView } from '../runtime/users.js';
import { print, withDbOptions, withStore, type DbFlags } from './db-command.js';

interface UserAddFlags extends DbFlags {
  email: string;
  name: string;
  role: string;
  password?: string;
}

export function addUserCommands(program: Command): void {
  const user = program.command('user').description('Manage users');
  withDbOptions(
    user
      .command('add')
      .description('Add a user; without --password one is generated and printed once')
      .requiredOption('--email <email>', 'sign-in email')
      .requiredOption('--name <name>', 'display name')
      .requiredOption('--role <role>', 'admin or agent')
      .option('--password <password>', `at least 8 characters`),
  ).action(async (flags: UserAddFlags) => {
    await withStore(flags, async (store) => {
      const hub = { store, now: () => new Date() };
      const { user: created, generatedPassword } = await createUser(hub, {
        email: flags.email,
        name: flags.name,
        role: flags.role,
        password: flags.password,
      });
      const view = await userView(hub, created);
      const lines = [`Added ${view.role} ${view.name} <${view.email}> (id ${view.id})`];
      if (generatedPassword !== undefined) lines.push(`Password: ${generatedPassword}  (shown once)`);
      print(flags, generatedPassword === undefined ? view : { ...view, generatedPassword }, lines.join('\n'));
    });
  });
}
