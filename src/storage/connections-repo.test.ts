import { expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import { at, buildCall, seedConnection, seedUser } from '../testing/storage-fixtures.js';

describeEachDatabase('ConnectionsRepo', (getStore) => {
  it('creates, reads, finds by webhook token and lists in creation order', async () => {
    const { connections } = getStore();
    const second = await seedConnection(getStore(), { name: 'B', created_at: at(10) });
    const first = await seedConnection(getStore(), { name: 'A', created_at: at(0), enabled: 0 });
    expect(await connections.get(first.id)).toEqual(first);
    expect(first.enabled).toBe(0);
    expect(await connections.findByWebhookToken(second.webhook_token)).toEqual(second);
    expect(await connections.findByWebhookToken('unknown')).toBeUndefined();
    expect((await connections.list()).map((c) => c.name)).toEqual(['A', 'B']);
  });

  it('refuses a webhook token another connection uses', async () => {
    const one = await seedConnection(getStore());
    const two = await seedConnection(getStore());
    await expect(seedConnection(getStore(), { webhook_token: one.webhook_token })).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(
      getStore().connections.update(two.id, { webhook_token: one.webhook_token, updated_at: at(1) }),
    ).rejects.toMatchObject({ code: 'conflict' });
  });

  it('updates and deletes, taking its calls, bindings and storage along', async () => {
    const store = getStore();
    const connection = await seedConnection(store);
    const user = await seedUser(store);
    const updated = await store.connections.update(connection.id, { settings: '{"a":1}', updated_at: at(3) });
    expect(updated).toEqual({ ...connection, settings: '{"a":1}', updated_at: at(3) });
    await store.connections.setBinding({ connection_id: connection.id, extension: '101', user_id: user.id });
    await store.connections.setItem(connection.id, 'k', 'v');
    const call = buildCall(connection.id);
    await store.calls.save({ call, legs: [] });

    expect(await store.connections.delete(connection.id)).toBe(true);
    expect(await store.connections.delete(connection.id)).toBe(false);
    expect(await store.connections.listBindings(connection.id)).toEqual([]);
    expect(await store.connections.getItem(connection.id, 'k')).toBeUndefined();
    expect(await store.calls.get(call.id)).toBeUndefined();
    expect(await store.connections.update(connection.id, { name: 'x', updated_at: at(4) })).toBeUndefined();
  });

  it('binds extensions, rebinding one replaces its user', async () => {
    const store = getStore();
    const connection = await seedConnection(store);
    const [anna, boris] = [await seedUser(store), await seedUser(store)];
    await store.connections.setBinding({ connection_id: connection.id, extension: '102', user_id: anna.id });
    await store.connections.setBinding({ connection_id: connection.id, extension: '101', user_id: anna.id });
    await store.connections.setBinding({ connection_id: connection.id, extension: '101', user_id: boris.id });
    expect(await store.connections.listBindings(connection.id)).toEqual([
      { connection_id: connection.id, extension: '101', user_id: boris.id },
      { connection_id: connection.id, extension: '102', user_id: anna.id },
    ]);
    expect((await store.connections.findBinding(connection.id, '102'))?.user_id).toBe(anna.id);
    expect(await store.connections.findBinding(connection.id, '103')).toBeUndefined();
    expect((await store.connections.bindingsForUser(anna.id)).map((b) => b.extension)).toEqual(['102']);
    expect(await store.connections.removeBinding(connection.id, '102')).toBe(true);
    expect(await store.connections.removeBinding(connection.id, '102')).toBe(false);
  });

  it('replaces all bindings at once, or none when an extension repeats', async () => {
    const store = getStore();
    const connection = await seedConnection(store);
    const other = await seedConnection(store);
    const [anna, boris] = [await seedUser(store), await seedUser(store)];
    await store.connections.setBinding({ connection_id: connection.id, extension: '100', user_id: anna.id });
    await store.connections.setBinding({ connection_id: other.id, extension: '100', user_id: anna.id });

    await store.connections.replaceBindings(connection.id, [
      { extension: '101', user_id: anna.id },
      { extension: '102', user_id: boris.id },
    ]);
    const expected = await store.connections.listBindings(connection.id);
    expect(expected.map((b) => [b.extension, b.user_id])).toEqual([
      ['101', anna.id],
      ['102', boris.id],
    ]);

    await expect(
      store.connections.replaceBindings(connection.id, [
        { extension: '103', user_id: anna.id },
        { extension: '103', user_id: boris.id },
      ]),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(await store.connections.listBindings(connection.id)).toEqual(expected);
    expect(await store.connections.listBindings(other.id)).toHaveLength(1);

    await store.connections.replaceBindings(connection.id, []);
    expect(await store.connections.listBindings(connection.id)).toEqual([]);
  });

  it('keeps module storage per connection: get, set, overwrite, remove', async () => {
    const { connections } = getStore();
    const a = await seedConnection(getStore());
    const b = await seedConnection(getStore());
    expect(await connections.getItem(a.id, 'token')).toBeUndefined();
    await connections.setItem(a.id, 'token', 'one');
    await connections.setItem(b.id, 'token', 'other');
    await connections.setItem(a.id, 'token', 'two');
    await connections.setItem(a.id, 'empty', '');
    expect(await connections.getItem(a.id, 'token')).toBe('two');
    expect(await connections.getItem(a.id, 'empty')).toBe('');
    expect(await connections.getItem(b.id, 'token')).toBe('other');
    await connections.removeItem(a.id, 'token');
    await connections.removeItem(a.id, 'never-set');
    expect(await connections.getItem(a.id, 'token')).toBeUndefined();
    expect(await connections.getItem(b.id, 'token')).toBe('other');
  });
});
