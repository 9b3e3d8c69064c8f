/** `switchboard emulator mango-office`: the Mango Office API emulator as a standalone server, for integrators. */
import type { Command } from 'commander';
import { startAsteriskAmiEmulator } from '../emulators/asterisk/asterisk-ami-emulator.js';
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
  addAsteriskAmi(emulator);
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

interface AsteriskEmulatorFlags {
  port: string;
  httpPort: string;
  host: string;
  user: string;
  secret: string;
  extensions: string;
  technology: string;
}

function addAsteriskAmi(emulator: Command): void {
  emulator
    .command('asterisk-ami')
    .description('Asterisk over AMI (TCP): MD5 login, call events, Originate, PJSIPShowEndpoints, MixMonitor files')
    .option('--port <port>', 'AMI port to listen on', '5038')
    .option('--http-port <port>', 'port of the control endpoints and recordings', '8102')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--user <name>', 'the manager.conf user it accepts', 'switchboard')
    .option('--secret <secret>', "that user's secret", 'emulator-secret')
    .option('--extensions <list>', 'the PJSIP endpoints, e.g. "101,102,103"', '101,102,103')
    .option('--technology <tech>', 'PJSIP or SIP', 'PJSIP')
    .action(async (flags: AsteriskEmulatorFlags) => {
      const port = checkPort(flags.port, '--port');
      const httpPort = checkPort(flags.httpPort, '--http-port');
      const technology = flags.technology.toUpperCase();
      if (technology !== 'PJSIP' && technology !== 'SIP') throw new Error('--technology is PJSIP or SIP');
      const extensions = flags.extensions
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean);
      const bad = extensions.find((extension) => !/^\d{1,6}$/.test(extension));
      if (bad !== undefined || extensions.length === 0) {
        throw new Error(`--extensions is a list of 1-6 digit extensions such as "101,102", not "${flags.extensions}"`);
      }
      const running = await startAsteriskAmiEmulator({
        port,
        httpPort,
        host: flags.host,
        users: { [flags.user]: flags.secret },
        staff: extensions.map((extension) => ({ extension })),
        technology,
        stepMs: 200,
      });
      process.stdout.write(
        [
          `Asterisk AMI emulator on ${running.host}:${running.port}, control at ${running.url}`,
          `  Connection settings: host=${running.host} port=${running.port} user=${flags.user} secret=${flags.secret} technology=${technology}`,
          `  Recording URL template: ${running.recordUrlTemplate}`,
          `  Play a call: curl -X POST ${running.url}/_emulator/scenario -d '{"name":"incoming-answered","client":"79161234567"}'`,
          `  Drop the AMI connections: curl -X POST ${running.url}/_emulator/drop -d '{"refuseMs":3000}'`,
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

function checkPort(value: string, flag: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${flag} must be a whole number from 0 to 65535, not "${value}"`);
  }
  return port;
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
