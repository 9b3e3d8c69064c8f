/** `switchboard emulator <provider>`: a provider's API emulator as a standalone server, for integrators. */
import type { Command } from 'commander';
import { startAsteriskAmiEmulator } from '../emulators/asterisk/asterisk-ami-emulator.js';
import { startAsteriskAriEmulator } from '../emulators/asterisk/asterisk-ari-emulator.js';
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
  addAsteriskAmi(emulator);
  addAsteriskAri(emulator);
  httpEmulator(emulator, 'mango-office', 8101, "the connection's webhook URL (can be set later: PUT /_emulator/config)")
    .description('The Mango Office VPBX API: signed commands, notifications to the hub, one-shot recording links')
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
      announce(running, [
        `Mango Office emulator at ${running.url}`,
        `  Connection settings: apiUrl=${running.apiUrl} apiKey=${flags.key} apiSalt=${flags.salt}`,
        `  Notifications go to: ${running.hubUrl ?? '(none yet: PUT /_emulator/config {"hubUrl": "…"})'}`,
        `  Staff: ${running.staff.map((m) => `${m.extension} ${m.name}`).join(', ')}`,
        playCall(running.url),
        `  Commands received: GET ${running.url}/_emulator/commands`,
      ]);
    });

  httpEmulator(emulator, 'zadarma', 8102, 'the webhook URL (normally registered by the connection on Save)')
    .description('The Zadarma / Novofon v1 API: signed requests, zd_echo, signed notifications, recording links')
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
      announce(running, [
        `Zadarma emulator at ${running.url}`,
        `  Connection settings: apiUrl=${running.apiUrl} apiKey=${flags.key} apiSecret=${flags.secret}`,
        `  Notifications go to: ${running.hubUrl ?? '(none yet: save the connection, or PUT /_emulator/config {"hubUrl": "…"})'}`,
        `  Extensions: ${running.staff.map((m) => `${m.extension} ${m.name}`).join(', ')}`,
        playCall(running.url),
        `  Requests received: GET ${running.url}/_emulator/requests`,
      ]);
    });

  addItoolabsEmulatorCommand(emulator);
}

export function addItoolabsEmulatorCommand(emulator: Command): void {
  httpEmulator(
    emulator,
    'itoolabs',
    8103,
    "the CRM URL: the connection's webhook URL (can be set later: PUT /_emulator/config)",
  )
    .description('An ITooLabs PBX (MegaFon, Gravitel, Kcell, Moldcell): both CRM APIs, pushes with crm_token')
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
      announce(running, [
        `ITooLabs PBX emulator at ${running.url}`,
        `  Connection settings: operator=custom apiUrl=${running.apiUrl} apiKey=${flags.key} crmToken=${flags.crmToken}`,
        `  Pushes go to: ${running.hubUrl ?? '(none yet: PUT /_emulator/config {"hubUrl": "…"})'}`,
        `  Users: ${running.staff.map((m) => `${m.ext} ${m.login} (${m.name})`).join(', ')}`,
        playCall(running.url),
        `  Requests received: GET ${running.url}/_emulator/requests`,
      ]);
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

/** A cloud PBX's emulator command, with the options all of them have: where to listen, where the hub is. */
function httpEmulator(parent: Command, name: string, port: number, hubHelp: string): Command {
  return parent
    .command(name)
    .option('--port <port>', 'port to listen on', String(port))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--hub <url>', hubHelp);
}

function checkPortAndHub(flags: { port: string; hub?: string }): number {
  const port = checkPort(flags.port, '--port');
  if (flags.hub !== undefined && !/^https?:\/\/[^/]+/.test(flags.hub)) {
    throw new Error(`--hub must be the connection's webhook URL (http://…), not "${flags.hub}"`);
  }
  return port;
}

function playCall(url: string): string {
  return `  Play a call: curl -X POST ${url}/_emulator/scenario -d '{"name":"incoming-answered","client":"79161234567"}'`;
}

/** Prints how to use the running emulator, then keeps it until Ctrl-C or SIGTERM. */
function announce(running: { close(): Promise<void> }, lines: string[]): void {
  process.stdout.write([...lines, ''].join('\n'));
  const stop = async () => {
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
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
      const extensions = parseExtensions(flags.extensions);
      const running = await startAsteriskAmiEmulator({
        port,
        httpPort,
        host: flags.host,
        users: { [flags.user]: flags.secret },
        staff: extensions.map((extension) => ({ extension })),
        technology,
        stepMs: 200,
      });
      announce(running, [
        `Asterisk AMI emulator on ${running.host}:${running.port}, control at ${running.url}`,
        `  Connection settings: host=${running.host} port=${running.port} user=${flags.user} secret=${flags.secret} technology=${technology}`,
        `  Recording URL template: ${running.recordUrlTemplate}`,
        playCall(running.url),
        `  Drop the AMI connections: curl -X POST ${running.url}/_emulator/drop -d '{"refuseMs":3000}'`,
      ]);
    });
}

interface AriEmulatorFlags {
  port: string;
  host: string;
  user: string;
  secret: string;
  extensions: string;
}

function addAsteriskAri(emulator: Command): void {
  emulator
    .command('asterisk-ari')
    .description('Asterisk over ARI: Basic auth, the events WebSocket, endpoints, channels, originate')
    .option('--port <port>', 'HTTP port (ARI and the control endpoints)', '8088')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--user <name>', 'the ari.conf user it accepts', 'switchboard')
    .option('--secret <password>', "that user's password", 'emulator-secret')
    .option('--extensions <list>', 'the PJSIP endpoints, e.g. "101,102,103"', '101,102,103')
    .action(async (flags: AriEmulatorFlags) => {
      const extensions = parseExtensions(flags.extensions);
      const running = await startAsteriskAriEmulator({
        port: checkPort(flags.port, '--port'),
        host: flags.host,
        users: { [flags.user]: flags.secret },
        staff: extensions.map((extension) => ({ extension })),
        stepMs: 200,
      });
      announce(running, [
        `Asterisk ARI emulator at ${running.url}/ari`,
        `  Connection settings: mode=ari host=${running.host} port=${running.port} user=${flags.user} secret=${flags.secret}`,
        playCall(running.url),
        `  Drop the event WebSockets: curl -X POST ${running.url}/_emulator/drop -d '{"refuseMs":3000}'`,
      ]);
    });
}

function parseExtensions(list: string): string[] {
  const extensions = list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const bad = extensions.find((extension) => !/^\d{1,6}$/.test(extension));
  if (bad !== undefined || extensions.length === 0) {
    throw new Error(`--extensions is a list of 1-6 digit extensions such as "101,102", not "${list}"`);
  }
  return extensions;
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
