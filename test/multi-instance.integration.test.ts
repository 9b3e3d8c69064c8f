/**
 * Three `switchboard serve` processes on one PostgreSQL database behind a round-robin balancer: the
 * Mango emulator plays many concurrent calls, shuffled and duplicated, each notification reaching
 * whichever instance is next; every agent's browser stream is on another instance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMangoEmulator, type MangoEmulator } from '../src/emulators/mango-office/mango-office-emulator.js';
import type { MangoScenarioName } from '../src/emulators/mango-office/mango-office-scenarios.js';
import { openDatabase, type Store } from '../src/storage/index.js';
import { createTestDatabase, PG_URL_VARIABLE, type TestDatabase } from '../src/testing/databases.js';
import { listen, type TestServer } from '../src/testing/http-helpers.js';
import { runCli, startHubProcess, type HubProcess } from '../src/testing/hub-process.js';
import { openEventStream, type EventStream } from '../src/testing/sse-client.js';

const KEY = 'cluster-key';
const SALT = 'cluster-salt';
const AGENTS = [
  { name: 'anna', extension: '101' },
  { name: 'boris', extension: '102' },
  { name: 'olga', extension: '103' },
] as const;
type AgentName = (typeof AGENTS)[number]['name'];

/** Each call: the scenario, its agents' extensions, and what the call must come out as. */
const CALLS: Array<{ name: MangoScenarioName; extensions: string[]; owner: AgentName; disposition: string }> = [
  { name: 'incoming-answered', extensions: ['101'], owner: 'anna', disposition: 'answered' },
  { name: 'incoming-answered', extensions: ['103'], owner: 'olga', disposition: 'answered' },
  { name: 'group-ringing', extensions: ['101', '102'], owner: 'boris', disposition: 'answered' },
  { name: 'group-ringing', extensions: ['103', '101'], owner: 'anna', disposition: 'answered' },
  { name: 'incoming-missed', extensions: ['102'], owner: 'boris', disposition: 'cancel' },
  { name: 'incoming-missed', extensions: ['103'], owner: 'olga', disposition: 'cancel' },
  { name: 'outgoing', extensions: ['102'], owner: 'boris', disposition: 'answered' },
  { name: 'recorded', extensions: ['101'], owner: 'anna', disposition: 'answered' },
];

const hasPostgres = Boolean(process.env[PG_URL_VARIABLE]);
const title = hasPostgres
  ? 'three hub instances on one PostgreSQL'
  : `three hub instances on one PostgreSQL (skipped: set ${PG_URL_VARIABLE}=postgres://… to run)`;

describe.skipIf(!hasPostgres)(title, () => {
  let database: TestDatabase;
  let instances: HubProcess[] = [];
  let balancer: TestServer;
  let emulator: MangoEmulator;
  let store: Store;
  const streams = new Map<AgentName, EventStream>();
  const userIds = new Map<AgentName, string>();
  let adminToken: string;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    emulator = await startMangoEmulator({ apiKey: KEY, apiSalt: SALT, rateLimits: false });
    const cli = (...args: string[]) => runCli(database.target, ...args);
    await cli(
      'user',
      'add',
      '--email',
      'admin@example.com',
      '--name',
      'Admin',
      '--role',
      'admin',
      '--password',
      'admin-pass-1',
    );
    adminToken = String((await cli('token', 'create', '--email', 'admin@example.com')).token);
    for (const agent of AGENTS) {
      const email = `${agent.name}@example.com`;
      const user = await cli(
        'user',
        'add',
        '--email',
        email,
        '--name',
        agent.name,
        '--role',
        'agent',
        '--password',
        'agent-pass-1',
      );
      userIds.set(agent.name, String((user.user as { id?: string } | undefined)?.id ?? user.id));
    }
    const connection = await cli(
      'connection',
      'add',
      '--connector',
      'mango-office',
      '--name',
      'Mango',
      '--setting',
      `apiKey=${KEY}`,
      '--setting',
      `apiSalt=${SALT}`,
      '--setting',
      `apiUrl=${emulator.apiUrl}`,
      '--public-url',
      'http://balancer.test',
    );
    for (const agent of AGENTS) {
      await cli('connection', 'bind', String(connection.id), agent.extension, `${agent.name}@example.com`);
    }

    instances = await Promise.all([0, 1, 2].map(() => startHubProcess(database.target)));
    balancer = await startRoundRobin(instances.map((instance) => instance.base));
    emulator.configure({ hubUrl: `${balancer.url}/hooks/${connection.id}/${connection.token}` });
    for (const [n, agent] of AGENTS.entries()) {
      const token = String((await cli('token', 'create', '--email', `${agent.name}@example.com`)).token);
      streams.set(agent.name, await openEventStream(`${instances[n]!.base}/api/v1/events`, token));
    }
    store = await openDatabase(database.target);
  }, 120_000);

  afterAll(async () => {
    for (const stream of streams.values()) stream.close();
    await emulator?.close();
    await balancer?.close();
    await Promise.all(instances.map((instance) => instance.stop()));
    await store?.close();
    await database?.dispose();
  });

  it('makes every call once with the right owner, and tells each agent once, whichever instance they use', async () => {
    const played = await Promise.all(
      CALLS.map((call, n) =>
        emulator.playScenario({
          name: call.name,
          extensions: call.extensions,
          client: `7916000000${n}`,
          options: { shuffle: true, duplicates: true, seed: 100 + n },
        }),
      ),
    );
    for (const result of played) {
      expect(result.notifications.map((notification) => notification.status)).toEqual(
        result.notifications.map(() => 200),
      );
    }

    const admin = async (path: string) =>
      (
        await fetch(`${instances[2]!.base}/api/v1${path}`, { headers: { authorization: `Bearer ${adminToken}` } })
      ).json();
    const list = (await admin('/calls?limit=100')) as { items: Array<{ id: string }> };
    expect(list.items).toHaveLength(CALLS.length);
    const calls = (await Promise.all(list.items.map((call) => admin(`/calls/${call.id}`)))) as Array<
      Record<string, unknown>
    >;
    for (const [n, expected] of CALLS.entries()) {
      const call = calls.find((candidate) => candidate.externalId === played[n]!.entryId);
      expect(call, `${expected.name} #${n}`).toMatchObject({
        status: 'ended',
        ownerId: userIds.get(expected.owner),
        disposition: expected.disposition,
      });
    }

    // What the hub logged for each agent is exactly what that agent's stream received, once each.
    for (const agent of AGENTS) {
      const logged = (await store.events.listAfter(userIds.get(agent.name)!, 0, 10_000)).map((event) => event.id);
      const stream = streams.get(agent.name)!;
      await expect.poll(() => stream.events.length, { timeout: 10_000 }).toBe(logged.length);
      expect(stream.events.map((event) => event.id).sort((a, b) => a! - b!)).toEqual(logged);
      const ownCalls = calls.filter((call) =>
        (call.legs as Array<{ extension: string }>).some((leg) => leg.extension === agent.extension),
      );
      for (const call of ownCalls) {
        const ended = stream.events.filter(
          (event) => event.type === 'call.ended' && (event.data as { call: { id: string } }).call.id === call.id,
        );
        expect(
          ended,
          `${agent.name} hears that call ${JSON.stringify(call)} ended ${JSON.stringify(stream.events.filter((e) => (e.data as { call: { id: string } }).call.id === call.id).map((e) => e.type))}`,
        ).toHaveLength(1);
      }
      const strangers = stream.events.filter(
        (event) => !ownCalls.some((call) => call.id === (event.data as { call: { id: string } }).call.id),
      );
      expect(strangers).toEqual([]);
    }
  });
});

/** A load balancer without sticky sessions: each request goes to the next instance. */
function startRoundRobin(targets: string[]): Promise<TestServer> {
  let next = 0;
  return listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = targets[next++ % targets.length]!;
      fetch(target + (req.url ?? '/'), {
        method: req.method ?? 'POST',
        headers: { 'content-type': String(req.headers['content-type'] ?? 'text/plain') },
        body: Buffer.concat(chunks),
      })
        .then(async (response) => res.writeHead(response.status).end(await response.text()))
        .catch(() => res.writeHead(502).end());
    });
  });
}
