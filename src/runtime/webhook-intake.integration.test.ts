/**
 * Two hub instances on one PostgreSQL database receiving the same connection's webhooks at the same
 * moment: the result must be what one instance gives processing them in order.
 */
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
