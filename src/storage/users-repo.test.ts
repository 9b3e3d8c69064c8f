import { expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import { at, seedUser } from '../testing/storage-fixtures.js';
import { StorageError } from './repo-helpers.js';

describeEachDatabase('UsersRepo', (getStore) => {
  it('creates a user with a generated id and reads it back', async () => {
    const users = getStore().users;
    const created = await users.create({
      email: 'anna@example.com',
      name: 'Anna',
      role: 'admin',
      password_hash: 'hash',
      created_at: at(0),
      updated_at: at(0),
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created).toMatchObject({ locale: null, time_zone: null, role: 'admin' });
    expect(await users.get(created.id)).toEqual(created);
  });

  it('keeps an id the caller chose', async () => {
    const user = await seedUser(getStore(), { id: 'fixed-id' });
    expect(user.id).toBe('fixed-id');
  });

  it('stores emails lower-cased and finds them ignoring case', async () => {
    const user = await seedUser(getStore(), { email: '  Anna.S@Example.COM ' });
    expect(user.email).toBe('anna.s@example.com');
    expect((await getStore().users.findByEmail('ANNA.S@example.com'))?.id).toBe(user.id);
    expect(await getStore().users.findByEmail('other@example.com')).toBeUndefined();
  });

  it('refuses a second user with the same email, in any case', async () => {
    await seedUser(getStore(), { email: 'anna@example.com' });
    const error = await seedUser(getStore(), { email: 'ANNA@example.com' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: 'conflict', message: 'A user with the email anna@example.com already exists' });
    expect(await getStore().users.count()).toBe(1);
  });

  it('lists by email and counts', async () => {
    for (const email of ['c@x.io', 'a@x.io', 'b@x.io']) await seedUser(getStore(), { email });
    expect((await getStore().users.list()).map((u) => u.email)).toEqual(['a@x.io', 'b@x.io', 'c@x.io']);
    expect(await getStore().users.count()).toBe(3);
  });

  it('updates given fields only, and refuses a taken email', async () => {
    const users = getStore().users;
    const anna = await seedUser(getStore(), { email: 'anna@x.io', locale: 'ru' });
    await seedUser(getStore(), { email: 'boris@x.io' });
    const updated = await users.update(anna.id, { name: 'Anna S.', email: 'ANNA2@x.io', updated_at: at(5) });
    expect(updated).toEqual({ ...anna, name: 'Anna S.', email: 'anna2@x.io', updated_at: at(5) });
    await expect(users.update(anna.id, { email: 'boris@x.io', updated_at: at(6) })).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(await users.update('missing', { name: 'x', updated_at: at(7) })).toBeUndefined();
  });

  it('deletes a user with their sessions and tokens', async () => {
    const store = getStore();
    const user = await seedUser(store);
    await store.sessions.createSession({
      id: 's',
      user_id: user.id,
      csrf_token: 'c',
      created_at: at(0),
      expires_at: at(9),
    });
    await store.sessions.createToken({ user_id: user.id, token_hash: 'h', name: 'CI', created_at: at(0) });
    expect(await store.users.delete(user.id)).toBe(true);
    expect(await store.users.delete(user.id)).toBe(false);
    expect(await store.sessions.findSession('s', at(1))).toBeUndefined();
    expect(await store.sessions.findToken('h')).toBeUndefined();
  });
});
