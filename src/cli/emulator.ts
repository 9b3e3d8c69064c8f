/** `switchboard emulator mango-office`: the Mango Office API emulator as a standalone server, for integrators. */
import type { Command } from 'commander';
import { startMangoEmulator, type MangoStaffMember } from '../emulators/mango-office/mango-office-emulator.js';

interface MangoEmulatorFlags {
  port: string;
  host: string;
  hub?: string;
  key: string;
  salt: string;
  staff?: string;
}

export function addEmulatorCommands(program: Command): void {
  const emulator = program.command('emulator').description('Run a PBX emulator that speaks the provider protocol');
  emulator
    .command('mango-office')
    .description('The Mango Office VPBX API: signed commands, notifications to the hub, one-shot recording links')
    .option('--port <port>', 'port to listen on', '8101')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--hub <url>', "the connection's webhook URL (can be set later: PUT /_emulator/config)")
    .option('--key <key>', 'vpbx_api_key the emulator accepts and signs with', 'emulator-key')
    .option('--salt <salt>', 'vpbx_api_salt', 'emulator-salt')
    .option('--staff <list>', 'employees as "extension:Name,…", e.g. "101:Anna,102:Boris"')
    .action(async (flags: MangoEmulatorFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new Error(`The port must be a whole number from 0 to 65535, not "${flags.port}"`);
      }
      if (flags.hub !== undefined && !/^https?:\/\/[^/]+/.test(flags.hub)) {
        throw new Error(`--hub must be the connection's webhook URL (http://…), not "${flags.hub}"`);
      }
      const running = await startMangoEmulator({
        port,
        host: flags.host,
        apiKey: flags.key,
        apiSalt: flags.salt,
        ...(flags.hub ? { hubUrl: flags.hub } : {}),
        ...(flags.staff ? { staff: parseStaff(flags.staff) } : {}),
      });
      process.stdout.write(
        [
          `Mango Office emulator at ${running.url}`,
          `  Connection settings: apiUrl=${running.apiUrl} apiKey=${flags.key} apiSalt=${flags.salt}`,
          `  Notifications go to: ${running.hubUrl ?? '(none yet: PUT /_emulator/config {"hubUrl": "…"})'}`,
          `  Staff: ${running.staff.map((m) => `${m.extension} ${m.name}`).join(', ')}`,
          `  Play a call: curl -X POST ${running.url}/_emulator/scenario -d '{"name":"incoming-answered","client":"79161234567"}'`,
          `  Commands received: GET ${running.url}/_emulator/commands`,
          '',
        ].join('\n'),
      );
      const stop = async () => {
        await running.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

/** "101:Anna Smirnova,102:Boris" → staff members; a malformed entry is an error naming it. */
export function parseStaff(list: string): MangoStaffMember[] {
  const staff = list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^(\d{1,10})\s*:\s*(.+)$/.exec(entry);
      if (!match) throw new Error(`--staff entries look like "101:Anna", not "${entry}"`);
      return { extension: match[1] as string, name: (match[2] as string).trim() };
    });
  if (staff.length === 0) throw new Error('--staff needs at least one "extension:Name"');
  const seen = new Set<string>();
  for (const member of staff) {
    if (seen.has(member.extension)) throw new Error(`Extension ${member.extension} is listed twice in --staff`);
    seen.add(member.extension);
  }
  return staff;
}
