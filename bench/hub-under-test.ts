/**
 * The hub as an admin runs it: a database seeded with agents bound to extensions on Mango Office
 * connections, then `switchboard serve` as its own process, so the load generator never shares its
 * event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import pino from 'pino';
import { findConnector } from '../src/connectors/index.js';
import { hashPassword } from '../src/runtime/credentials.js';
import { createHub } from '../src/runtime/hub.js';
import { createSecretBox } from '../src/runtime/secret-box.js';
import { createApiToken } from '../src/runtime/users.js';
import { createConnection, setBindings } from '../src/runtime/connections.js';
import { openDatabase } from '../src/storage/index.js';
import { closedPort } from '../src/testing/http-helpers.js';
import { SWITCHBOARD_BIN } from '../src/testing/hub-process.js';
import { MANGO_KEY, MANGO_SALT } from './mango-traffic.js';

const SECRET = 'switchboard benchmarks';

export interface SeededHub {
  /** Webhook paths, one per Mango connection: `/hooks/<id>/<token>`. */
  hooks: string[];
  /** The agents' extensions, in order. */
  extensions: string[];
  /** Each agent by extension: user id and API token. */
  agents: Map<string, { userId: string; token: string }>;
}

/** Agents `1000`, `1001`, … bound on every one of `connections` Mango connections. */
export async function seedHub(db: string, options: { agents: number; connections: number }): Promise<SeededHub> {
  const store = await openDatabase(db);
  const hub = createHub({
    store,
    box: createSecretBox(SECRET),
    log: pino({ level: 'silent' }),
    publicUrl: 'http://127.0.0.1',
    findConnector,
  });
  try {
    const hash = await hashPassword('bench-password');
    const at = new Date().toISOString();
    const agents = new Map<string, { userId: string; token: string }>();
    for (let n = 0; n < options.agents; n++) {
      const extension = String(1000 + n);
      const user = await store.users.create({
        email: `agent${extension}@bench.local`,
        name: `Agent ${extension}`,
        role: 'agent',
        password_hash: hash,
        locale: null,
        time_zone: null,
        created_at: at,
        updated_at: at,
      });
      agents.set(extension, { userId: user.id, token: (await createApiToken(hub, user.id, 'bench')).token });
    }
    const hooks: string[] = [];
    // The PBX's API is never reached: announcing the webhook URL fails quietly, as with a PBX that is down.
    const apiUrl = `http://127.0.0.1:${await closedPort()}`;
    for (let n = 0; n < options.connections; n++) {
      const { connection } = await createConnection(hub, {
        connectorId: 'mango-office',
        name: `Mango ${n + 1}`,
        settings: { apiKey: MANGO_KEY, apiSalt: MANGO_SALT, apiUrl },
      });
      await setBindings(
        hub,
        connection.id,
        [...agents].map(([extension, { userId }]) => ({ extension, userId })),
      );
      hooks.push(`/hooks/${connection.id}/${connection.webhook_token}`);
    }
    return { hooks, extensions: [...agents.keys()], agents };
  } finally {
    await store.close();
  }
}

export interface ServedHub {
  base: string;
  child: ChildProcess;
  /** Resident set size of the hub process, in bytes. */
  rss(): number;
  stop(): Promise<void>;
}

/**
 * `switchboard serve` on `db`, logging at the production default (info) to `logFile`.
 * `nodeArgs` go to node, e.g. `--cpu-prof`.
 */
export async function serveHub(db: string, logFile: string, nodeArgs: string[] = []): Promise<ServedHub> {
  const port = await closedPort();
  const base = `http://127.0.0.1:${port}`;
  const out = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...nodeArgs, SWITCHBOARD_BIN, 'serve', '--port', String(port), '--db', db], {
    env: { ...process.env, SWITCHBOARD_SECRET: SECRET, SWITCHBOARD_PUBLIC_URL: base, SWITCHBOARD_LOG_LEVEL: 'info' },
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
  await waitFor(child, () => readFileSync(logFile, 'utf8').includes('Switchboard is serving'), logFile);
  return {
    base,
    child,
    rss: () => processRss(child.pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The bare `node:http` baseline as its own process. */
export async function serveBare(): Promise<ServedHub> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./bare-server.ts', import.meta.url).pathname], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(/listening (\d+)/.exec(chunk.toString())?.[1])));
    child.once('exit', (code) => reject(new Error(`the bare server exited with ${code}`)));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    child,
    rss: () => processRss(child.pid),
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function processRss(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

async function waitFor(child: ChildProcess, ready: () => boolean, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!ready()) {
    if (child.exitCode !== null) throw new Error(`the hub exited with ${child.exitCode}; see ${logFile}`);
    if (Date.now() > deadline) throw new Error(`the hub did not start within 30 s; see ${logFile}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
