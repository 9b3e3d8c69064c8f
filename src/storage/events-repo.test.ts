import { expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import { at, seedUser } from '../testing/storage-fixtures.js';

describeEachDatabase('EventsRepo', (getStore) => {
  it('appends events and lists a user’s events after an id', async () => {
    const store = getStore();
    const [anna, boris] = [await seedUser(store), await seedUser(store)];
    const first = await store.events.append({
      user_id: anna.id,
      type: 'call.ringing',
      payload: '{"n":1}',
      created_at: at(0),
    });
    const borisEvent = await store.events.append({
      user_id: boris.id,
      type: 'call.ringing',
      payload: '{}',
      created_at: at(1),
    });
    const second = await store.events.append({
      user_id: anna.id,
      type: 'call.ended',
      payload: '{"n":2}',
      created_at: at(2),
    });
    expect(borisEvent).toBeGreaterThan(first);
    expect(second).toBeGreaterThan(borisEvent);

    expect(await store.events.listAfter(anna.id, 0)).toEqual([
      { id: first, user_id: anna.id, type: 'call.ringing', payload: '{"n":1}', created_at: at(0) },
      { id: second, user_id: anna.id, type: 'call.ended', payload: '{"n":2}', created_at: at(2) },
    ]);
    expect((await store.events.listAfter(anna.id, first)).map((e) => e.id)).toEqual([second]);
    expect(await store.events.listAfter(anna.id, second)).toEqual([]);
    expect((await store.events.listAfter(anna.id, 0, 1)).map((e) => e.id)).toEqual([first]);
  });

  it('prunes events created before a time', async () => {
    const store = getStore();
    const user = await seedUser(store);
    for (const t of [0, 1000, 2000]) {
      await store.events.append({ user_id: user.id, type: 't', payload: '{}', created_at: at(t) });
    }
    expect(await store.events.prune(at(1000))).toBe(1);
    expect((await store.events.listAfter(user.id, 0)).map((e) => e.created_at)).toEqual([at(1000), at(2000)]);
  });
});
