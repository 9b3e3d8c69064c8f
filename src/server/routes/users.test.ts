import type { User } from '../../storage/index.js';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { sha256 } from '../../runtime/credentials.js';
import { describeEachDatabase } from '../../testing/databases.js';
import { setPassword, signIn } from '../../testing/sign-in.js';
import { createTestApp, type TestApp } from '../../testing/test-app.js';

describeEachDatabase('users API', (getStore) => {
  let test: TestApp;
  beforeEach(async () => {
    test = await createTestApp(getStore());
  });
  afterEach(async () => test?.app.close());

  type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
  const call = async (method: Method, url: string, as?: User, payload?: object) =>
    test.app.inject({ method, url, headers: as ? await test.auth(as) : {}, ...(payload ? { payload } : {}) });
  const userUrl = (t: TestApp) => `/api/v1/users/${t.boris.id}`;

  it.each([
    ['GET', () => '/api/v1/users'],
    ['POST', () => '/api/v1/users'],
    ['PATCH', userUrl],
    ['DELETE', userUrl],
  ] as const)('refuses %s anonymous (401) and for an agent (403)', async (method, url) => {
    const payload = method === 'GET' || method === 'DELETE' ? undefined : { name: 'X', email: 'x@example.com' };
    expect((await call(method, url(test), undefined, payload)).statusCode).toBe(401);
    const asAgent = await call(method, url(test), test.anna, payload);
    expect(asAgent.statusCode).toBe(403);
    expect(asAgent.json().error.code).toBe('forbidden');
    expect((await getStore().users.get(test.boris.id))?.name).toBe('Boris');
    expect(await getStore().users.count()).toBe(3);
  });

  it('lists users with their extensions and never a password hash', async () => {
    await setPassword(getStore(), test.anna, 'anna password');
    const response = await call('GET', '/api/v1/users', test.admin);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.nextCursor).toBeNull();
    expect(body.items.map((u: { email: string }) => u.email)).toEqual([
      'admin@example.com',
      'anna@example.com',
      'boris@example.com',
    ]);
    expect(body.items[1].extensions).toEqual([{ connectionId: test.connection.id, extension: '101' }]);
    expect(body.items[0].extensions).toEqual([]);
    expect(response.body).not.toMatch(/password|scrypt/);
  });

  it('creates a user who can then sign in', async () => {
    const response = await call('POST', '/api/v1/users', test.admin, {
      email: 'Vera@Example.com',
      name: ' Vera ',
      role: 'agent',
      password: 'vera password',
      locale: 'ru-ru',
      timeZone: 'Europe/Moscow',
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      email: 'vera@example.com',
      name: 'Vera',
      role: 'agent',
      locale: 'ru-RU',
      timeZone: 'Europe/Moscow',
      extensions: [],
    });
    expect(response.json()).not.toHaveProperty('generatedPassword');
    const session = await signIn(test.app, 'vera@example.com', 'vera password');
    expect(session.csrfToken).toBeTruthy();
  });

  it('generates a password, shown once, when none is given', async () => {
    const response = await call('POST', '/api/v1/users', test.admin, { email: 'gleb@example.com', name: 'Gleb' });
    expect(response.statusCode).toBe(201);
    const { generatedPassword, role } = response.json();
    expect(role).toBe('agent');
    expect(generatedPassword).toMatch(/^[\w-]{16}$/);
    await signIn(test.app, 'gleb@example.com', generatedPassword);
    expect((await call('GET', '/api/v1/users', test.admin)).body).not.toContain(generatedPassword);
  });

  it.each([
    ['email', { email: 'not-an-email', name: 'X' }],
    ['email', { name: 'X' }],
    ['name', { email: 'x@example.com', name: '  ' }],
    ['role', { email: 'x@example.com', name: 'X', role: 'owner' }],
    ['password', { email: 'x@example.com', name: 'X', password: 'short' }],
    ['password', { email: 'x@example.com', name: 'X', password: 12345678 }],
    ['locale', { email: 'x@example.com', name: 'X', locale: 'not a locale!' }],
    ['timeZone', { email: 'x@example.com', name: 'X', timeZone: 'Mars/Olympus' }],
  ])('names the invalid %s', async (field, payload) => {
    const response = await call('POST', '/api/v1/users', test.admin, payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation', field });
    expect(await getStore().users.count()).toBe(3);
  });

  it('refuses a taken email with 409', async () => {
    const response = await call('POST', '/api/v1/users', test.admin, { email: 'ANNA@example.com', name: 'Anna 2' });
    expect(response.statusCode).toBe(409);
    expect(response.json().error.message).toContain('anna@example.com');
  });

  it('lets an agent change their own name, locale, time zone and password', async () => {
    const response = await call('PATCH', `/api/v1/users/${test.anna.id}`, test.anna, {
      name: 'Anna S.',
      locale: 'en',
      timeZone: 'Asia/Almaty',
      password: 'new anna password',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ name: 'Anna S.', locale: 'en', timeZone: 'Asia/Almaty' });
    await signIn(test.app, 'anna@example.com', 'new anna password');
  });

  it.each([
    ['role', { role: 'admin' }],
    ['email', { email: 'anna2@example.com' }],
  ])('refuses an agent changing their own %s', async (field, payload) => {
    const response = await call('PATCH', `/api/v1/users/${test.anna.id}`, test.anna, payload);
    expect(response.statusCode).toBe(403);
    expect(response.json().error.message).toBe(`Only an admin can change ${field}`);
    expect(await getStore().users.get(test.anna.id)).toMatchObject({ role: 'agent', email: 'anna@example.com' });
  });

  it('lets an admin change role and email, and answers 404 for an unknown user', async () => {
    const response = await call('PATCH', `/api/v1/users/${test.boris.id}`, test.admin, {
      role: 'admin',
      email: 'b@example.com',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ role: 'admin', email: 'b@example.com' });
    expect((await call('PATCH', '/api/v1/users/nope', test.admin, { name: 'X' })).statusCode).toBe(404);
    expect((await call('DELETE', '/api/v1/users/nope', test.admin)).statusCode).toBe(404);
  });

  it('never demotes or deletes the last admin', async () => {
    const demote = await call('PATCH', `/api/v1/users/${test.admin.id}`, test.admin, { role: 'agent' });
    expect(demote.statusCode).toBe(409);
    expect(demote.json().error.message).toContain('last admin');
    expect((await call('DELETE', `/api/v1/users/${test.admin.id}`, test.admin)).statusCode).toBe(409);
    expect((await getStore().users.get(test.admin.id))?.role).toBe('admin');

    await call('PATCH', `/api/v1/users/${test.boris.id}`, test.admin, { role: 'admin' });
    expect((await call('PATCH', `/api/v1/users/${test.admin.id}`, test.admin, { role: 'agent' })).statusCode).toBe(200);
  });

  it('deletes a user with their bindings and tokens', async () => {
    const borisToken = await test.auth(test.boris);
    expect((await call('DELETE', userUrl(test), test.admin)).statusCode).toBe(204);
    expect(await getStore().users.get(test.boris.id)).toBeUndefined();
    expect(await getStore().connections.bindingsForUser(test.boris.id)).toEqual([]);
    const me = await test.app.inject({ method: 'GET', url: '/api/v1/me', headers: borisToken });
    expect(me.statusCode).toBe(401);
  });

  it('signs out the other sessions when the password changes, keeping the one that changed it', async () => {
    await setPassword(getStore(), test.anna, 'old anna password');
    const here = await signIn(test.app, 'anna@example.com', 'old anna password');
    const elsewhere = await signIn(test.app, 'anna@example.com', 'old anna password');
    const response = await test.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${test.anna.id}`,
      headers: here.write,
      payload: { password: 'new anna password' },
    });
    expect(response.statusCode).toBe(200);
    const now = new Date().toISOString();
    expect(await getStore().sessions.findSession(sha256(here.cookie), now)).toBeDefined();
    expect(await getStore().sessions.findSession(sha256(elsewhere.cookie), now)).toBeUndefined();
  });
});
