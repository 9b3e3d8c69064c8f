import { expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import { at, buildCall, seedConnection } from '../testing/storage-fixtures.js';
import type { Store } from './database.js';
import type { IncomingWebhook, WebhookOutcome } from './webhooks-repo.js';

function incoming(connectionId: string, overrides: Partial<IncomingWebhook> = {}): IncomingWebhook {
  return {
    connection_id: connectionId,
    method: 'POST',
    path: '/hooks/abc',
    query: '{"a":"1"}',
    headers: '{"Content-Type":"application/json"}',
    body: '{"call_id":"c1"}',
    received_at: at(0),
    fingerprint: 'fp-1',
    ...overrides,
  };
}

const processed = (overrides: Partial<WebhookOutcome> = {}): WebhookOutcome => ({
  status: 'processed',
  processed_at: at(50),
  response_status: 200,
  response_body: 'ok',
  response_headers: '{"Content-Type":"text/plain"}',
  parse_result: '{"event":{}}',
  ...overrides,
});

async function insertAll(store: Store, rows: IncomingWebhook[]): Promise<number[]> {
  const ids: number[] = [];
  for (const row of rows) ids.push((await store.webhooks.insertPending(row)).id);
  return ids;
}

describeEachDatabase('WebhooksRepo', (getStore) => {
  it('stores a request as pending with one attempt, then records the outcome', async () => {
    const store = getStore();
    const connection = await seedConnection(store);
    const call = buildCall(connection.id);
    await store.calls.save({ call, legs: [] });
    const { id } = await store.webhooks.insertPending(incoming(connection.id));

    expect(await store.webhooks.get(id)).toEqual({
      ...incoming(connection.id),
      id,
      status: 'pending',
      attempts: 1,
      response_status: null,
      response_body: null,
      response_headers: null,
      parse_result: null,
      error: null,
      call_id: null,
      processed_at: null,
    });
    expect(await store.webhooks.finish(id, processed({ call_id: call.id }))).toBe(true);
    expect(await store.webhooks.get(id)).toMatchObject({ ...processed(), call_id: call.id, error: null });
    expect(await store.webhooks.finish(id + 1000, processed())).toBe(false);
    expect(await store.webhooks.get(id + 1000)).toBeUndefined();
  });

  it.each(['rejected', 'failed'] as const)('records a %s outcome with its error', async (status) => {
    const store = getStore();
    const connection = await seedConnection(store);
    const { id } = await store.webhooks.insertPending(incoming(connection.id));
    await store.webhooks.finish(id, { status, processed_at: at(9), response_status: 500, error: 'boom' });
    expect(await store.webhooks.get(id)).toMatchObject({
      status,
      response_status: 500,
      response_body: null,
      parse_result: null,
      error: 'boom',
    });
  });

  it('finds a handled or unfinished duplicate within the window only', async () => {
    const store = getStore();
    const [connection, other] = [await seedConnection(store), await seedConnection(store)];
    const [old, failed, handled, rejected, pending, elsewhere] = await insertAll(store, [
      incoming(connection.id, { received_at: at(0) }),
      incoming(connection.id, { received_at: at(20_000) }),
      incoming(connection.id, { received_at: at(10_000) }),
      incoming(connection.id, { received_at: at(15_000), fingerprint: 'fp-2' }),
      incoming(connection.id, { received_at: at(30_000) }),
      incoming(other.id, { received_at: at(30_000) }),
    ]);
    await store.webhooks.finish(old!, processed());
    await store.webhooks.finish(failed!, { status: 'failed', processed_at: at(20_001), error: 'timeout' });
    await store.webhooks.finish(handled!, processed({ response_body: 'second' }));
    await store.webhooks.finish(rejected!, { status: 'rejected', processed_at: at(15_001), response_status: 403 });
    await store.webhooks.finish(elsewhere!, processed());

    // A row a crash left pending counts: the retry must not be applied beside it.
    expect((await store.webhooks.findDuplicate(connection.id, 'fp-1', at(5_000)))?.id).toBe(pending);
    expect(await store.webhooks.findDuplicate(connection.id, 'fp-1', at(30_001))).toBeUndefined();
    await store.webhooks.finish(pending!, { status: 'failed', processed_at: at(30_001), error: 'timeout' });
    const duplicate = await store.webhooks.findDuplicate(connection.id, 'fp-1', at(5_000));
    expect(duplicate).toMatchObject({ id: handled, response_body: 'second' });
    expect((await store.webhooks.findDuplicate(connection.id, 'fp-1', at(0)))?.id).toBe(handled);
    expect(await store.webhooks.findDuplicate(connection.id, 'fp-1', at(10_001))).toBeUndefined();
    expect((await store.webhooks.findDuplicate(connection.id, 'fp-2', at(15_000)))?.id).toBe(rejected);
    expect((await store.webhooks.findDuplicate(other.id, 'fp-1', at(0)))?.id).toBe(elsewhere);
  });

  it('lists pending leftovers oldest first and counts further attempts', async () => {
    const store = getStore();
    const connection = await seedConnection(store);
    const [first, done, second] = await insertAll(store, [
      incoming(connection.id),
      incoming(connection.id),
      incoming(connection.id),
    ]);
    await store.webhooks.finish(done!, processed());
    expect((await store.webhooks.listPending()).map((w) => w.id)).toEqual([first, second]);
    expect(await store.webhooks.beginAttempt(first!)).toBe(2);
    expect(await store.webhooks.beginAttempt(first!)).toBe(3);
    expect(await store.webhooks.beginAttempt(first! + 1000)).toBeUndefined();
  });

  it('lists newest first with connection and status filters and cursors', async () => {
    const store = getStore();
    const [a, b] = [await seedConnection(store), await seedConnection(store)];
    const ids = await insertAll(store, [
      incoming(a.id),
      incoming(b.id),
      incoming(a.id),
      incoming(a.id),
      incoming(a.id),
    ]);
    await store.webhooks.finish(ids[2]!, processed());

    const all: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.webhooks.list({ connectionId: a.id, limit: 2, ...(cursor && { cursor }) });
      all.push(...page.items.map((w) => w.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(all).toEqual([ids[4], ids[3], ids[2], ids[0]]);
    expect((await store.webhooks.list({ status: 'processed' })).items.map((w) => w.id)).toEqual([ids[2]]);
    expect((await store.webhooks.list({ status: 'pending', connectionId: b.id })).items.map((w) => w.id)).toEqual([
      ids[1],
    ]);
    await expect(store.webhooks.list({ cursor: Buffer.from('["x"]').toString('base64url') })).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('prunes finished requests received before a time, keeping pending ones', async () => {
    const store = getStore();
    const connection = await seedConnection(store);
    const [old, oldPending, recent] = await insertAll(store, [
      incoming(connection.id, { received_at: at(0) }),
      incoming(connection.id, { received_at: at(0) }),
      incoming(connection.id, { received_at: at(10_000) }),
    ]);
    await store.webhooks.finish(old!, processed());
    await store.webhooks.finish(recent!, processed());
    expect(await store.webhooks.prune(at(10_000))).toBe(1);
    expect((await store.webhooks.list()).items.map((w) => w.id)).toEqual([recent, oldPending]);
  });

  it('reports the latest request and the errors since a time, per connection asked about', async () => {
    const store = getStore();
    const [busy, quiet, other] = [
      await seedConnection(store),
      await seedConnection(store),
      await seedConnection(store),
    ];
    const outcomes = [
      [at(0), 'failed'],
      [at(60_000), 'rejected'],
      [at(70_000), 'failed'],
      [at(80_000), 'processed'],
      [at(90_000), 'duplicate'],
      [at(50_000), 'pending'],
    ] as const;
    for (const [receivedAt, status] of outcomes) {
      const { id } = await store.webhooks.insertPending(incoming(busy.id, { received_at: receivedAt }));
      if (status !== 'pending') await store.webhooks.finish(id, { status, processed_at: receivedAt });
    }
    const { id: elsewhere } = await store.webhooks.insertPending(incoming(other.id, { received_at: at(65_000) }));
    await store.webhooks.finish(elsewhere, { status: 'failed', processed_at: at(65_000) });

    expect(await store.webhooks.activity([quiet.id, busy.id], at(60_000))).toEqual([
      { connection_id: quiet.id, last_received_at: null, errors_since: 0 },
      // The latest by arrival order: the pending one came last even with an earlier clock.
      { connection_id: busy.id, last_received_at: at(50_000), errors_since: 2 },
    ]);
    expect((await store.webhooks.activity([busy.id], at(0)))[0]?.errors_since).toBe(3);
    expect(await store.webhooks.activity([], at(0))).toEqual([]);
  });
});
