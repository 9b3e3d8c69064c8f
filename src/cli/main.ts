/** The `switchboard` command. Every subcommand that touches data takes `--db` like `serve`. */
import { Command } from 'commander';
import { loadConfig } from '../server/config.js';
import { startHub } from '../server/main.js';
import { addTokenCommands } from './token.js';
import { addUserCommands } from './user.js';
import { contactsCommand } from './contacts.js';
import { addConnectionCommands } from './connection.js';
import { addEmulatorCommands } from './emulator.js';
import { addDemoCommand } from './demo.js';
import { addSecretCommands } from './secret.js';
import { addModuleCommands } from './module.js';
import { addPbxCommands } from './pbx.js';

export function buildProgram(): Command {
  const program = new Command('switchboard')
    .description('Self-hosted telephony integration hub: PBX webhooks → popups, call history, click-to-call')
    .showHelpAfterError();

  program
    .command('serve')
    .description('Run the hub (SQLite at ./data/switchboard.db unless --db says otherwise)')
    .option('--port <port>', 'port to listen on (SWITCHBOARD_PORT, default 3000)')
    .option('--host <host>', 'address to listen on (SWITCHBOARD_HOST, default 127.0.0.1)')
    .option('--db <target>', 'SQLite file or postgres:// URL (SWITCHBOARD_DB)')
    .option('--public-url <url>', 'where providers reach the hub (SWITCHBOARD_PUBLIC_URL)')
    .action(async (flags) => {
      const config = loadConfig(flags);
      const running = await startHub(config);
      process.stdout.write(`Switchboard is serving ${running.url} (webhooks at ${config.publicUrl}/hooks/…)\n`);
      const stop = async () => {
        await running.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  addUserCommands(program);
  addTokenCommands(program);
  program.addCommand(contactsCommand());
  addConnectionCommands(program);
  addEmulatorCommands(program);
  addDemoCommand(program);
  addSecretCommands(program);
  addModuleCommands(program);
  addPbxCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.stderr.write(`switchboard: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
