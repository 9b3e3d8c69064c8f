/**
 * Two hubs on one PostgreSQL database and one Asterisk: only the instance holding the connection's
 * advisory lock keeps the AMI connection; when it stops, or loses its lock connection, the other one takes
 * over within a few seconds and calls go on being tracked.
 */
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findConnector } from '../src/connectors/index.js';
import { startAsteriskAmiEmulator, type AsteriskAmiEmulator } from '../src/emulators/asterisk/asterisk-ami-emulator.js';
import { createConnection } from '../src/runtime/connections.js';
import { eventSourceLockKey } from '../src/runtime/event-sources.js';
import { createHub, type Hub } from '../src/runtime/hub.js';
import { createSecretBox } from '../src/runtime/secret-box.js';
import { openDatabase, type Store } from '../src/storage/index.js';
import { createTestDatabase, PG_URL_VARIABLE, type TestDatabase } from '../src/testing/databases.js';

const hasPostgres = Boolean(process.env[PG_URL_VARIABLE]);
const title = hasPostgres
  ? 'an event source on two hub instances sharing PostgreSQL'
  : `an event source on two hub instances sharing PostgreSQL (skipped: set ${PG_URL_VARIABLE}=postgres://… to run)`;

describe.skipIf(!hasPostgres)(title, () => {
  let database: TestDatabase;
  let emulator: AsteriskAmiEmulator;
  const stores: Store[] = [];
  const hubs: Hub[] = [];
  let connectionId: string;

  const start = async () => {
    const store = await openDatabase(database.target);
    stores.push(store);
    const hub = createHub({
      store,
      box: createSecretBox('failover key material'),
      log: pino({ level: 'silent' }),
      publicUrl: 'http://hub.test',
      findConnector,
      eventSources: { syncMs: 200, lockRetryMs: 200, backoffMs: 100, maxBackoffMs: 400 },
    });
    await hub.start();
    hubs.push(hub);
    return hub;
  };
  const holders = () => hubs.filter((hub) => hub.eventSources.held().includes(connectionId));
  const eventSessions = () => emulator.sessions().filter((session) => session.events).length;
  const ended = async (hub: Hub, linkedid: string) =>
    (await hub.store.calls.findByExternalId(connectionId, linkedid))?.call.status;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    emulator = await startAsteriskAmiEmulator({ users: { hub: 'secret' } });
    const first = await start();
    const { connection } = await createConnection(first, {
      connectorId: 'asterisk',
      settings: { host: emulator.host, port: emulator.port, user: 'hub', secret: 'secret' },
    });
    connectionId = connection.id;
    await start();
  }, 30_000);

  afterAll(async () => {
    for (const hub of hubs) await hub.stop();
    for (const store of stores) await store.close();
    await emulator?.close();
    await database?.dispose();
  });

  it('connects from one instance only, and moves to the other when the holder stops', async () => {
    await expect.poll(eventSessions, { timeout: 5000 }).toBe(1);
    // The other instance keeps trying the lock and never connects while it is held.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(eventSessions()).toBe(1);
    expect(holders()).toHaveLength(1);
    const [holder] = holders();
    const other = hubs.find((hub) => hub !== holder)!;

    const first = await emulator.playScenario({ name: 'incoming-answered' });
    await expect.poll(() => ended(other, first.linkedid), { timeout: 5000 }).toBe('ended');

    await holder!.stop();
    await expect.poll(() => holders(), { timeout: 5000 }).toEqual([other]);
    await expect.poll(eventSessions, { timeout: 5000 }).toBe(1);
    await expect
      .poll(() => other.store.eventSources.get(connectionId), { timeout: 5000 })
      .toMatchObject({ status: 'connected', reconnects: 1 });
    const state = await other.store.eventSources.get(connectionId);
    expect(state?.gap_from).not.toBeNull();

    const second = await emulator.playScenario({ name: 'group-ringing' });
    await expect.poll(() => ended(other, second.linkedid), { timeout: 5000 }).toBe('ended');
    hubs.splice(hubs.indexOf(holder!), 1);
    await start();
  });

  it('stops the source when its lock connection is lost, so that only one instance follows the PBX', async () => {
    await expect.poll(() => holders().length, { timeout: 5000 }).toBe(1);
    const [holder] = holders();
    const logins = emulator.logins;
    const admin = new pg.Client({ connectionString: database.target });
    await admin.connect();
    try {
      // The advisory lock's session dies, as when the holder's database connection breaks.
      const { rowCount } = await admin.query(
        `select pg_terminate_backend(pid) from pg_locks
          where locktype = 'advisory' and granted
            and ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)`,
        [eventSourceLockKey(connectionId)],
      );
      expect(rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    // The holder notices, closes its AMI session and competes for the lock again: one instance logs in anew.
    await expect.poll(() => emulator.logins, { timeout: 8000 }).toBe(logins + 1);
    await expect
      .poll(() => `${holders().length} holders, ${eventSessions()} sessions`, { timeout: 8000 })
      .toBe('1 holders, 1 sessions');
    const call = await emulator.playScenario({ name: 'outgoing' });
    await expect.poll(() => ended(holder!, call.linkedid), { timeout: 5000 }).toBe('ended');
    expect(eventSessions()).toBe(1);
  });
});
