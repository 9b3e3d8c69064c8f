/**
 * Live events across hub instances: two buses over one PostgreSQL database, each with its own pool and
 * LISTEN connection, as two hub processes have.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Store } from '../storage/index.js';
import { createTestDatabase, PG_URL_VARIABLE, type TestDatabase } from '../testing/databases.js';
import { seedUser } from '../testing/storage-fixtures.js';
import { createEventBus, type DeliveredEvent, type EventBus } from './event-bus.js';
import { eventLog } from './hub.js';

const CHANNEL = 'switchboard_test_events';
const hasPostgres = Boolean(process.env[PG_URL_VARIABLE]);
const title = hasPostgres
  ? 'live events shared by hub instances on PostgreSQL'
  : `live events shared by hub instances (PostgreSQL skipped: set ${PG_URL_VARIABLE}=postgres://… to run)`;

describe.skipIf(!hasPostgres)(title, () => {
  let database: TestDatabase;
  let stores: Store[];
  let buses: EventBus[];
  let anna: string;
  let boris: string;

  const openBus = async (maxMessageBytes?: number) => {
    const store = await openDatabase(database.target);
    const channel = store.openChannel?.(CHANNEL);
    if (!channel) throw new Error('a PostgreSQL store opens channels');
    const bus = createEventBus(eventLog(store), { channel, ...(maxMessageBytes ? { maxMessageBytes } : {}) });
    await bus.ready();
    stores.push(store);
    buses.push(bus);
    return bus;
  };

  const received = (bus: EventBus, userId: string) => {
    const events: DeliveredEvent[] = [];
    bus.subscribe(userId, (event) => events.push(event));
    return events;
  };

  beforeEach(async () => {
    database = await createTestDatabase('postgres');
    stores = [];
    buses = [];
    const setup = await openDatabase(database.target);
    anna = (await seedUser(setup, { email: 'anna@example.com' })).id;
    boris = (await seedUser(setup, { email: 'boris@example.com' })).id;
    await setup.close();
  });

  afterEach(async () => {
    for (const bus of buses) await bus.close();
    for (const store of stores) await store.close();
    await database.dispose();
  });

  it("delivers an event published on one instance to the user's subscriber on another, once", async () => {
    const a = await openBus();
    const b = await openBus();
    const annaOnB = received(b, anna);
    const borisOnB = received(b, boris);
    const annaOnA = received(a, anna);

    const [published] = await a.publish([{ userId: anna, type: 'call.ringing', payload: { call: { id: 'c1' } } }]);

    await expect.poll(() => annaOnB.length).toBe(1);
    expect(annaOnB[0]).toEqual(published);
    expect(annaOnA).toEqual([published]);
    expect(borisOnB).toEqual([]);
    // Give a duplicate delivery (the own NOTIFY echoing back) the time to show up.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(annaOnA).toHaveLength(1);
    expect(annaOnB).toHaveLength(1);
  });

  it('splits a burst into messages under the NOTIFY limit and loses none', async () => {
    const a = await openBus(200);
    const b = await openBus();
    const annaOnB = received(b, anna);
    const burst = Array.from({ length: 60 }, (_, n) => ({
      userId: n % 2 === 0 ? anna : boris,
      type: 'call.ringing' as const,
      payload: { n },
    }));

    await a.publish(burst);

    await expect.poll(() => annaOnB.length).toBe(30);
    expect(annaOnB.map((event) => event.payload.n)).toEqual(
      burst.filter((_, n) => n % 2 === 0).map((e) => e.payload.n),
    );
  });

  it('catches up from the log after its LISTEN connection was cut', async () => {
    const a = await openBus();
    const b = await openBus();
    const annaOnB = received(b, anna);
    await a.publish([{ userId: anna, type: 'call.ringing', payload: { n: 1 } }]);
    await expect.poll(() => annaOnB.length).toBe(1);

    await terminateListeners(database.target);
    await a.publish([{ userId: anna, type: 'call.answered', payload: { n: 2 } }]);

    await expect.poll(() => annaOnB.map((event) => event.payload.n), { timeout: 10_000 }).toEqual([1, 2]);
  });

  it('resumes a client on another instance from its Last-Event-ID', async () => {
    const a = await openBus();
    const b = await openBus();
    const [first, second] = await a.publish([
      { userId: anna, type: 'call.ringing', payload: { n: 1 } },
      { userId: anna, type: 'call.missed', payload: { n: 2 } },
    ]);
    expect(await b.replay(anna, first!.id)).toEqual([second]);
  });
});

/** Ends every session of this database that is LISTENing, as a network cut or a server restart would. */
async function terminateListeners(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rowCount } = await client.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid() and query like 'LISTEN%'`,
    );
    expect(rowCount).toBeGreaterThan(0);
  } finally {
    await client.end();
  }
}
