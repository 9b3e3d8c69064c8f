/** `switchboard emulator <provider>`: a provider's API emulator as a standalone server, for integrators. */
import type { Command } from 'commander';
import { startMangoEmulator, type MangoStaffMember } from '../emulators/mango-office/mango-office-emulator.js';
import { startItoolabsEmulator, type ItoolabsStaffMember } from '../emulators/itoolabs/itoolabs-emulator.js';
import { startZadarmaEmulator } from '../emulators/zadarma/zadarma-emulator.js';

interface ZadarmaEmulatorFlags {
  port: string;
  host: string;
  hub?: string;
  key: string;
  secret: string;
  staff?: string;
  timezone: string;
  rawSignatures?: boolean;
}

interface ItoolabsEmulatorFlags {
  port: string;
  host: string;
  hub?: string;
  key: string;
  crmToken: string;
  staff?: string;
}

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
      const port = checkPortAndHub(flags);
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
      stopOnSignal(running);
    });

  emulator
    .command('zadarma')
    .description('The Zadarma / Novofon v1 API: signed requests, zd_echo, signed notifications, recording links')
    .option('--port <port>', 'port to listen on', '8102')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--hub <url>', 'the webhook URL (normally registered by the connection on Save)')
    .option('--key <key>', 'API key the emulator accepts', 'emulator-key')
    .option('--secret <secret>', 'API secret: signs requests and notifications', 'emulator-secret')
    .option('--staff <list>', 'extensions as "extension:Name,…", e.g. "100:Anna,101:Boris"')
    .option(
      '--timezone <offset>',
      "the account's time zone in minutes east of UTC (call_start is written in it)",
      '180',
    )
    .option('--raw-signatures', 'sign notifications as base64 of the raw digest (the TS client variant)')
    .action(async (flags: ZadarmaEmulatorFlags) => {
      const port = checkPortAndHub(flags);
      const offset = Number(flags.timezone);
      if (!Number.isInteger(offset) || Math.abs(offset) > 14 * 60) {
        throw new Error(`--timezone is minutes east of UTC (e.g. 180 for UTC+3), not "${flags.timezone}"`);
      }
      const running = await startZadarmaEmulator({
        port,
        host: flags.host,
        apiKey: flags.key,
        apiSecret: flags.secret,
        utcOffsetMinutes: offset,
        rawDigestSignatures: flags.rawSignatures === true,
        ...(flags.hub ? { hubUrl: flags.hub } : {}),
        ...(flags.staff ? { staff: parseStaff(flags.staff) } : {}),
      });
      process.stdout.write(
        [
          `Zadarma emulator at ${running.url}`,
          `  Connection settings: apiUrl=${running.apiUrl} apiKey=${flags.key} apiSecret=${flags.secret}`,
          `  Notifications go to: ${running.hubUrl ?? '(none yet: save the connection, or PUT /_emulator/config {"hubUrl": "…"})'}`,
          `  Extensions: ${running.staff.map((m) => `${m.extension} ${m.name}`).join(', ')}`,
          `  Play a call: curl -X POST ${running.url}/_emulator/scenario -d '{"name":"incoming-answered","client":"79161234567"}'`,
          `  Requests received: GET ${running.url}/_emulator/requests`,
          '',
        ].join('\n'),
      );
      stopOnSignal(running);
    });

  addItoolabsEmulatorCommand(emulator);
}

export function addItoolabsEmulatorCommand(emulator: Command): void {
  emulator
    .command('itoolabs')
    .description('An ITooLabs PBX (MegaFon, Gravitel, Kcell, Moldcell): both CRM APIs, pushes with crm_token')
    .option('--port <port>', 'port to listen on', '8103')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--hub <url>', "the CRM URL: the connection's webhook URL (can be set later: PUT /_emulator/config)")
    .option('--key <key>', 'the PBX API key (token / X-API-KEY)', 'emulator-key')
    .option('--crm-token <token>', 'the CRM token sent with every push', 'emulator-crm-token')
    .option('--staff <list>', 'users as "login:ext:Name,…", e.g. "anna:701:Anna,boris:702:Boris"')
    .action(async (flags: ItoolabsEmulatorFlags) => {
      const port = checkPortAndHub(flags);
      const running = await startItoolabsEmulator({
        port,
        host: flags.host,
        apiKey: flags.key,
        crmToken: flags.crmToken,
        ...(flags.hub ? { hubUrl: flags.hub } : {}),
        ...(flags.staff ? { staff: parseItoolabsStaff(flags.staff) } : {}),
      });
      process.stdout.write(
        [
          `ITooLabs PBX emulator at ${running.url}`,
          `  Connection settings: operator=custom apiUrl=${running.apiUrl} apiKey=${flags.key} crmToken=${flags.crmToken}`,
          `  Pushes go to: ${running.hubUrl ?? '(none yet: PUT /_emulator/config {"hubUrl": "…"})'}`,
          `  Users: ${running.staff.map((m) => `${m.ext} ${m.login} (${m.name})`).join(', ')}`,
          `  Play a call: curl -X POST ${running.url}/_emulator/scenario -d '{"name":"incoming-answered","client":"79161234567"}'`,
          `  Requests received: GET ${running.url}/_emulator/requests`,
          '',
        ].join('\n'),
      );
      stopOnSignal(running);
    });
}

/** "anna:701:Anna Smirnova,boris:702:Boris" → users; a malformed entry is an error naming it. */
export function parseItoolabsStaff(list: string): ItoolabsStaffMember[] {
  const staff = list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^([A-Za-z0-9._-]+)\s*:\s*(\d{1,10})\s*:\s*(.+)$/.exec(entry);
      if (!match) throw new Error(`--staff entries look like "anna:701:Anna", not "${entry}"`);
      return { login: match[1] as string, ext: match[2] as string, name: (match[3] as string).trim() };
    });
  if (staff.length === 0) throw new Error('--staff needs at least one "login:ext:Name"');
  return staff;
}

function checkPortAndHub(flags: { port: string; hub?: string }): number {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`The port must be a whole number from 0 to 65535, not "${flags.port}"`);
  }
  if (flags.hub !== undefined && !/^https?:\/\/[^/]+/.test(flags.hub)) {
    throw new Error(`--hub must be the connection's webhook URL (http://…), not "${flags.hub}"`);
  }
  return port;
}

function stopOnSignal(running: { close(): Promise<void> }): void {
  const stop = async () => {
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
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
