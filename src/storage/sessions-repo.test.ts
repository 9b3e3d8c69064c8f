import { expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import { at, seedUser } from '../testing/storage-fixtures.js';

describeEachDatabase('SessionsRepo', (getStore) => {
  const session = (id: string, userId: string, expiresAt: string) => ({
    id,
    user_id: userId,
    csrf_token: `csrf-${id}`,
    created_at: at(0),
    expires_at: expiresAt,
  });

  it('finds a session with its user until it expires', async () => {
    const { sessions } = getStore();
    const user = await seedUser(getStore());
    const created = await sessions.createSession(session('s1', user.id, at(60_000)));
    expect(await sessions.findSession('s1', at(59_999))).toEqual({ session: created, user });
    expect(await sessions.findSession('s1', at(60_000))).toBeUndefined();
    expect(await sessions.findSession('nope', at(0))).toBeUndefined();
  });

  it('extends a session', async () => {
    const { sessions } = getStore();
    const user = await seedUser(getStore());
    await sessions.createSession(session('s1', user.id, at(1000)));
    expect(await sessions.extendSession('s1', at(5000))).toBe(true);
    expect((await sessions.findSession('s1', at(4000)))?.session.expires_at).toBe(at(5000));
    expect(await sessions.extendSession('missing', at(5000))).toBe(false);
  });

  it('deletes one session, all of a user but one, and the expired ones', async () => {
    const { sessions } = getStore();
    const anna = await seedUser(getStore());
    const boris = await seedUser(getStore());
    for (const id of ['a1', 'a2', 'a3']) await sessions.createSession(session(id, anna.id, at(10_000)));
    await sessions.createSession(session('b1', boris.id, at(10_000)));
    await sessions.createSession(session('b-old', boris.id, at(1000)));

    expect(await sessions.deleteSession('a1')).toBe(true);
    expect(await sessions.deleteSession('a1')).toBe(false);
    expect(await sessions.deleteUserSessions(anna.id, 'a3')).toBe(1);
    expect(await sessions.findSession('a2', at(0))).toBeUndefined();
    expect(await sessions.findSession('a3', at(0))).toBeDefined();
    expect(await sessions.deleteExpiredSessions(at(1000))).toBe(1);
    expect(await sessions.findSession('b1', at(0))).toBeDefined();
    expect(await sessions.deleteUserSessions(boris.id)).toBe(1);
  });

  it('creates tokens, finds them by hash with their user, and records their use', async () => {
    const { sessions } = getStore();
    const user = await seedUser(getStore());
    const token = await sessions.createToken({ user_id: user.id, token_hash: 'h1', name: 'CI', created_at: at(0) });
    expect(token.last_used_at).toBeNull();
    expect(await sessions.findToken('h1')).toEqual({ token, user });
    await sessions.touchToken(token.id, at(500));
    expect((await sessions.findToken('h1'))?.token.last_used_at).toBe(at(500));
    expect(await sessions.findToken('h2')).toBeUndefined();
  });

  it('refuses a duplicate token hash', async () => {
    const { sessions } = getStore();
    const user = await seedUser(getStore());
    await sessions.createToken({ user_id: user.id, token_hash: 'h1', name: 'one', created_at: at(0) });
    await expect(
      sessions.createToken({ user_id: user.id, token_hash: 'h1', name: 'two', created_at: at(1) }),
    ).rejects.toMatchObject({ code: 'conflict' });
  });

  it('lists a user’s tokens newest first and deletes only the owner’s', async () => {
    const { sessions } = getStore();
    const anna = await seedUser(getStore());
    const boris = await seedUser(getStore());
    const old = await sessions.createToken({ user_id: anna.id, token_hash: 'a', name: 'old', created_at: at(0) });
    const recent = await sessions.createToken({ user_id: anna.id, token_hash: 'b', name: 'new', created_at: at(9) });
    await sessions.createToken({ user_id: boris.id, token_hash: 'c', name: 'boris', created_at: at(5) });
    expect((await sessions.listTokens(anna.id)).map((t) => t.id)).toEqual([recent.id, old.id]);

    expect(await sessions.deleteToken(old.id, boris.id)).toBe(false);
    expect(await sessions.deleteToken(old.id, anna.id)).toBe(true);
    expect(await sessions.deleteToken(recent.id)).toBe(true);
    expect(await sessions.listTokens(anna.id)).toEqual([]);
  });
});
