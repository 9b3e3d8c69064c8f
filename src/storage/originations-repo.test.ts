import { expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import { at, buildCall, seedConnection, seedUser } from '../testing/storage-fixtures.js';
import type { OriginationQuery } from './originations-repo.js';

describeEachDatabase('OriginationsRepo', (getStore) => {
  it('creates a request, accepts it, links it to its call', async () => {
    const store = getStore();
    const [connection, user] = [await seedConnection(store), await seedUser(store)];
    const origination = await store.originations.create({
      connection_id: connection.id,
      user_id: user.id,
      src_phone: '101',
      dst_phone: '+74951234567',
      created_at: at(0),
    });
    expect(origination).toMatchObject({ status: 'requested', error: null, call_id: null });
    expect(await store.originations.get(origination.id)).toEqual(origination);

    expect(await store.originations.setStatus(origination.id, 'accepted')).toBe(true);
    const call = buildCall(connection.id, { direction: 'out', origination_id: origination.id });
    await store.calls.save({ call, legs: [] });
    expect(await store.originations.link(origination.id, call.id)).toBe(true);
    expect(await store.originations.get(origination.id)).toMatchObject({ status: 'linked', call_id: call.id });
    expect(await store.originations.link('missing', call.id)).toBe(false);
  });

  it('records why a request failed', async () => {
    const store = getStore();
    const [connection, user] = [await seedConnection(store), await seedUser(store)];
    const { id } = await store.originations.create({
      connection_id: connection.id,
      user_id: user.id,
      src_phone: '101',
      dst_phone: '+7',
      created_at: at(0),
    });
    await store.originations.setStatus(id, 'failed', 'The PBX refused: extension offline');
    expect(await store.originations.get(id)).toMatchObject({
      status: 'failed',
      error: 'The PBX refused: extension offline',
    });
    expect(await store.originations.setStatus('missing', 'failed')).toBe(false);
  });

  it('finds the newest unlinked request that matches', async () => {
    const store = getStore();
    const [connection, other] = [await seedConnection(store), await seedConnection(store)];
    const [anna, boris] = [await seedUser(store), await seedUser(store)];
    const create = (overrides: { connection_id?: string; user_id?: string; dst_phone?: string; created_at: string }) =>
      store.originations.create({
        connection_id: connection.id,
        user_id: anna.id,
        src_phone: '101',
        dst_phone: '+7100',
        ...overrides,
      });
    const older = await create({ created_at: at(1000) });
    const accepted = await create({ created_at: at(2000) });
    await store.originations.setStatus(accepted.id, 'accepted');
    const failed = await create({ created_at: at(3000) });
    await store.originations.setStatus(failed.id, 'failed', 'busy');
    const borisRequest = await create({ user_id: boris.id, dst_phone: '+7200', created_at: at(2500) });
    await create({ connection_id: other.id, created_at: at(4000) });

    const base: OriginationQuery = { connectionId: connection.id, since: at(0) };
    const cases: [Partial<OriginationQuery>, string | undefined][] = [
      [{}, borisRequest.id],
      [{ dstPhone: '+7100' }, accepted.id],
      [{ userId: anna.id, srcPhone: '101' }, accepted.id],
      [{ userId: boris.id }, borisRequest.id],
      [{ srcPhone: '102' }, undefined],
      [{ since: at(2600) }, undefined],
    ];
    for (const [change, expected] of cases) {
      expect((await store.originations.findUnlinked({ ...base, ...change }))?.id, JSON.stringify(change)).toBe(
        expected,
      );
    }
    const call = buildCall(connection.id);
    await store.calls.save({ call, legs: [] });
    await store.originations.link(accepted.id, call.id);
    expect((await store.originations.findUnlinked({ ...base, dstPhone: '+7100' }))?.id).toBe(older.id);
  });
});
