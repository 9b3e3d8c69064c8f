/**
 * `switchboard demo`: the hub on a fresh SQLite file, the Mango Office emulator, an admin, three agents
 * bound to extensions, a few contacts, and a mix of calls played every few seconds, so a newcomer sees
 * popups, missed calls and recordings within a minute of typing one command.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import pino from 'pino';
import { startMangoEmulator, type MangoEmulator } from '../emulators/mango-office/mango-office-emulator.js';
import type { MangoScenarioName } from '../emulators/mango-office/mango-office-scenarios.js';
import { createConnection, setBindings, webhookUrl } from '../runtime/connections.js';
import { createContact } from '../runtime/contacts.js';
import { createUser, findUserByEmail } from '../runtime/users.js';
import { loadConfig } from '../server/config.js';
import { startHub, WEB_ROOT, type RunningHub } from '../server/main.js';

export interface DemoOptions {
  /** Where the SQLite file goes; emptied first. Default: a new temporary directory. */
  dir?: string;
  /** The hub's port; 0 picks a free one. Default 3000. */
  port?: number;
  host?: string;
  /** Between two calls. Default 6000 ms. */
  intervalMs?: number;
  /** Between two notifications of a call, so a popup rings for a while. Default 1500 ms. */
  stepMs?: number;
  logLevel?: string;
}

export interface DemoLogin {
  role: 'admin' | 'agent';
  name: string;
  email: string;
  password: string;
  extension?: string;
}

export interface RunningDemo {
  url: string;
  db: string;
  emulator: MangoEmulator;
  logins: DemoLogin[];
  /** Calls played so far. */
  readonly played: number;
  close(): Promise<void>;
}

const ADMIN: DemoLogin = { role: 'admin', name: 'Administrator', email: 'admin@demo.local', password: 'demo-admin' };
const AGENTS: DemoLogin[] = [
  { role: 'agent', name: 'Анна Смирнова', email: 'anna@demo.local', password: 'demo-anna', extension: '101' },
  { role: 'agent', name: 'Борис Иванов', email: 'boris@demo.local', password: 'demo-boris', extension: '102' },
  { role: 'agent', name: 'Ольга Петрова', email: 'olga@demo.local', password: 'demo-olga', extension: '103' },
];
const CONTACTS = [
  { name: 'Дмитрий Кузнецов', company: 'ООО «Северный ветер»', phones: ['+7 916 234-56-78'] },
  { name: 'Елена Соколова', company: 'АО «Техносфера»', phones: ['+7 495 765-43-21', '+7 903 111-22-33'] },
  { name: 'Игорь Попов', company: 'ИП Попов', phones: ['+7 812 555-01-02'] },
  { name: 'Мария Васильева', company: 'ООО «Ромашка»', phones: ['+7 926 987-65-43'] },
  { name: 'Сергей Новиков', company: null, phones: ['+7 985 321-00-77'] },
];
/** Callers the hub does not know yet, so unknown numbers show too. */
const STRANGERS = ['79031234500', '79167770011', '74957001122'];
/** One demo round: mostly incoming calls, some missed, some recorded, a group call and a transfer. */
const MIX: MangoScenarioName[] = [
  'incoming-answered',
  'incoming-missed',
  'group-ringing',
  'recorded',
  'outgoing',
  'incoming-missed',
  'blind-transfer',
  'recorded',
  'incoming-answered',
  'consultative-transfer',
];
const KEY = 'demo-vpbx-key';
const SALT = 'demo-vpbx-salt';

export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const dir = options.dir ? resolve(options.dir) : mkdtempSync(join(tmpdir(), 'switchboard-demo-'));
  mkdirSync(dir, { recursive: true });
  const db = join(dir, 'demo.sqlite');
  for (const file of [db, `${db}-wal`, `${db}-shm`]) rmSync(file, { force: true });
  const port = options.port === 0 ? await freePort() : (options.port ?? 3000);
  const config = loadConfig(
    { port, host: options.host ?? '127.0.0.1', db },
    {
      SWITCHBOARD_SECRET: 'switchboard demo: not for real data',
      SWITCHBOARD_ADMIN_EMAIL: ADMIN.email,
      SWITCHBOARD_ADMIN_PASSWORD: ADMIN.password,
      SWITCHBOARD_LOG_LEVEL: options.logLevel ?? 'warn',
    },
  );
  const log = pino({ level: config.logLevel });
  let running: RunningHub | undefined;
  let emulator: MangoEmulator | undefined;
  try {
    running = await startHub(config, log);
    emulator = await startMangoEmulator({
      apiKey: KEY,
      apiSalt: SALT,
      staff: AGENTS.map((agent) => ({ extension: agent.extension ?? '', name: agent.name, department: 'Продажи' })),
      callbackDelayMs: 1500,
    });
    await seed(running, emulator);
  } catch (error) {
    await emulator?.close();
    await running?.close();
    throw error;
  }
  const hub = running;
  const pbx = emulator;

  const numbers = [...CONTACTS.flatMap((c) => c.phones.map((p) => p.replace(/\D/g, ''))), ...STRANGERS];
  const extensions = AGENTS.map((agent) => agent.extension ?? '');
  let played = 0;
  // Calls overlap as in a real office: a new one starts on schedule while the last may still ring.
  const playNext = () => {
    const name = MIX[played % MIX.length] as MangoScenarioName;
    const client = numbers[(played * 7) % numbers.length] as string;
    const first = played % extensions.length;
    const rotated = [...extensions.slice(first), ...extensions.slice(0, first)];
    played++;
    // A call still ringing at close() just fails to reach the hub: nothing waits for it.
    pbx
      .playScenario({ name, client, extensions: rotated, options: { delayMs: options.stepMs ?? 1500 } })
      .catch((error: unknown) => log.warn({ err: error, scenario: name }, 'a demo call could not be played'));
  };
  playNext();
  const timer = setInterval(playNext, options.intervalMs ?? 6000);

  return {
    url: hub.url,
    db,
    emulator: pbx,
    logins: [ADMIN, ...AGENTS],
    get played() {
      return played;
    },
    async close() {
      clearInterval(timer);
      await pbx.close();
      await hub.close();
    },
  };
}

async function seed(running: RunningHub, emulator: MangoEmulator): Promise<void> {
  const { hub } = running;
  const admin = await findUserByEmail(hub, ADMIN.email);
  const bindings: Array<{ extension: string; userId: string }> = [];
  for (const agent of AGENTS) {
    const { email, name, password } = agent;
    const { user } = await createUser(hub, { email, name, password, role: 'agent', locale: 'ru' });
    bindings.push({ extension: agent.extension ?? '', userId: user.id });
  }
  const { connection } = await createConnection(hub, {
    connectorId: 'mango-office',
    name: 'Mango Office (эмулятор)',
    settings: { apiKey: KEY, apiSalt: SALT, apiUrl: emulator.apiUrl },
  });
  await setBindings(hub, connection.id, bindings);
  for (const contact of CONTACTS) await createContact(hub, admin, contact);
  emulator.configure({ hubUrl: webhookUrl(hub, connection) });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Try it: the hub with a Mango Office emulator, users, contacts and calls every few seconds')
    .option('--port <port>', 'port for the hub', '3000')
    .option('--dir <dir>', 'where the demo database goes (emptied first)', './data/demo')
    .option('--interval <seconds>', 'seconds between two calls', '6')
    .action(async (flags: { port: string; dir: string; interval: string }) => {
      const interval = Number(flags.interval);
      if (!Number.isFinite(interval) || interval < 1) throw new Error('--interval must be at least 1 second');
      const demo = await startDemo({ port: Number(flags.port), dir: flags.dir, intervalMs: interval * 1000 });
      const width = Math.max(...demo.logins.map((login) => login.email.length));
      process.stdout.write(
        [
          '',
          `Switchboard demo: open ${demo.url} and sign in as`,
          ...demo.logins.map(
            (l) =>
              `  ${l.email.padEnd(width)}  ${l.password.padEnd(10)}  ${l.role === 'admin' ? 'admin' : `agent, ext. ${l.extension}`}  ${l.name}`,
          ),
          '',
          `A call every ${interval} s from the Mango Office emulator at ${demo.emulator.url}`,
          `(play your own: curl -X POST ${demo.emulator.url}/_emulator/scenario -d '{"name":"group-ringing"}').`,
          `Database: ${demo.db} (recreated on every start). Ctrl+C stops.`,
          ...(existsSync(WEB_ROOT)
            ? []
            : ['', 'The web UI is not built: stop, then run `npm run demo`, which builds it first.']),
          '',
        ].join('\n'),
      );
      const stop = async () => {
        await demo.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
