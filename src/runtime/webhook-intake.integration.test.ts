/**
 * Two hub instances on one PostgreSQL database receiving the same connection's webhooks at the same
 * moment: the result must be what one instance gives processing them in order.
 */
import { sql } from 'kysely';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findConnector } from '../connectors/index.js';
import { openDatabase, type Store } from '../storage/index.js';
import { createTestDatabase, PG_URL_VARIABLE, type TestDatabase } from '../testing/databases.js';
import { createTestHub, type TestHub } from '../testing/test-hub.js';
import { createHub, type Hub } from './hub.js';
import { createSecretBox } from './secret-box.js';

const hasPostgres = Boolean(process.env[PG_URL_VARIABLE]);
const title = hasPostgres
  ? 'webhooks of one connection on two hub instances'
  : `webhooks of one connection on two hub instances (PostgreSQL skipped: set ${PG_URL_VARIABLE}=postgres://… to run)`;
const CLIENT = '+74951234567';

describe.skipIf(!hasPostgres)(title, () => {
  let database: TestDatabase;
  let stores: Store[];
  let first: TestHub;
  let second: Hub;

  beforeEach(async () => {
    database = await createTestDatabase('postgres');
    stores = [await openDatabase(database.target), await openDatabase(database.target)];
    first = await createTestHub(stores[0]!);
    second = createHub({
      store: stores[1]!,
      box: createSecretBox('test key material'),
      log: pino({ level: 'silent' }),
      publicUrl: 'http://hub.test',
      findConnector,
    });
    await first.hub.start();
    await second.start();
  });

  afterEach(async () => {
    await first.hub.stop();
    await second.stop();
    for (const store of stores) await store.close();
    await database.dispose();
  });

  /** Each instance reads the connection itself, as its server does. */
  const postTo = async (instance: 0 | 1, payload: Record<string, unknown>) => {
    const hub = instance === 0 ? first.hub : second;
    const connection = await hub.store.connections.get(first.connection.id);
    return hub.intake.receive(connection!, first.request(payload));
  };

  it('makes one call per call id when its first events reach both instances at once', async () => {
    const ids = Array.from({ length: 12 }, (_, n) => `call-${n}`);
    await Promise.all(
      ids.flatMap((callId) => [
        postTo(0, { type: 'start', direction: 'in', from: CLIENT, to: '101', callId }),
        postTo(1, { type: 'start', direction: 'in', from: CLIENT, to: '102', callId }),
      ]),
    );
    await Promise.all(
      ids.flatMap((callId) => [
        postTo(1, { type: 'answer', direction: 'in', from: CLIENT, to: '102', callId }),
        postTo(0, { type: 'end', direction: 'in', from: CLIENT, to: '101', callId, disposition: 'cancel' }),
      ]),
    );
    await Promise.all(
      ids.map((callId) =>
        postTo(0, { type: 'end', direction: 'in', from: CLIENT, to: '102', callId, disposition: 'answered' }),
      ),
    );

    const calls = (await stores[0]!.calls.list({ limit: 100 })).items;
    expect(calls.map((call) => call.external_id).sort()).toEqual([...ids].sort());
    for (const call of calls) {
      expect(call).toMatchObject({ status: 'ended', disposition: 'answered', owner_id: first.boris.id, missed: 0 });
    }
  });

  it('leaves a webhook another instance is handling to that instance when it starts', async () => {
    const lockName = `switchboard:webhooks:${first.connection.id}`;
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    // Instance 0 handles a stored webhook under the connection's lock; the row is pending meanwhile.
    const { id } = await stores[0]!.webhooks.insertPending({
      connection_id: first.connection.id,
      method: 'POST',
      path: '/',
      query: '{}',
      headers: '{}',
      body: '{}',
      received_at: new Date().toISOString(),
      fingerprint: 'in-flight',
    });
    const busy = stores[0]!.lock!.run(lockName, async () => {
      locked();
      await new Promise<void>((resolve) => (release = resolve));
      await stores[0]!.webhooks.finish(id, { status: 'processed', processed_at: new Date().toISOString() });
    });
    await isLocked;
    // Instance 1 starts now and finds the row pending; it must wait for the lock, then see it done.
    const recovering = second.intake.recoverPending();
    const waiting = sql<{ n: number }>`select count(*)::int as n from pg_locks
      where locktype = 'advisory' and not granted
        and database = (select oid from pg_database where datname = current_database())`;
    await expect.poll(async () => (await waiting.execute(stores[0]!.db)).rows[0]?.n).toBe(1);
    release();
    await busy;
    expect(await recovering).toBe(0);
    expect(await stores[1]!.webhooks.get(id)).toMatchObject({ status: 'processed', attempts: 1 });
  });

  it('applies a byte-identical retry once when the original and the retry reach different instances', async () => {
    const start = { type: 'start', direction: 'in', from: CLIENT, to: '101', callId: 'retried' };
    const answers = await Promise.all([postTo(0, start), postTo(1, start), postTo(0, start), postTo(1, start)]);

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    const rows = (await stores[1]!.webhooks.list({ limit: 10 })).items;
    expect(rows.map((row) => row.status).sort()).toEqual(['duplicate', 'duplicate', 'duplicate', 'processed']);
    const timeline = await stores[0]!.calls.list({ limit: 10 });
    expect(timeline.items).toHaveLength(1);
  });
});
