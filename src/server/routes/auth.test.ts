import { afterEach, beforeEach, expect, it } from 'vitest';
import { sha256 } from '../../runtime/credentials.js';
import { describeEachDatabase } from '../../testing/databases.js';
import { setPassword, signIn } from '../../testing/sign-in.js';
import { createTestApp, type TestApp } from '../../testing/test-app.js';

const PASSWORD = 'correct horse battery';

describeEachDatabase('sign-in, sign-out and /me', (getStore) => {
  let test: TestApp;
  beforeEach(async () => {
    test = await createTestApp(getStore());
    await setPassword(getStore(), test.anna, PASSWORD);
  });
  afterEach(async () => test?.app.close());

  const login = (email: string, password: string, headers: Record<string, string> = {}) =>
    test.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, headers });

  it('signs in with a session cookie whose hash is the stored session id', async () => {
    const response = await login(' Anna@Example.com ', PASSWORD);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.user).toEqual({
      id: test.anna.id,
      email: 'anna@example.com',
      name: 'Anna',
      role: 'agent',
      locale: null,
      timeZone: null,
      createdAt: test.anna.created_at,
      extensions: [{ connectionId: test.connection.id, extension: '101' }],
    });
    expect(response.body).not.toContain('scrypt');
    const cookie = response.cookies.find((c) => c.name === 'sb_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', maxAge: 30 * 24 * 3600 });
    expect(cookie?.secure).toBeUndefined();
    const found = await getStore().sessions.findSession(sha256(cookie!.value), new Date().toISOString());
    expect(found?.user.id).toBe(test.anna.id);
    expect(found?.session.csrf_token).toBe(body.csrfToken);
    expect(await getStore().sessions.findSession(cookie!.value, new Date().toISOString())).toBeUndefined();
  });

  it('marks the cookie Secure behind an HTTPS proxy', async () => {
    const response = await login('anna@example.com', PASSWORD, { 'x-forwarded-proto': 'https' });
    expect(response.cookies.find((c) => c.name === 'sb_session')?.secure).toBe(true);
  });

  it.each([
    ['a wrong password', 'anna@example.com', 'wrong password'],
    ['an unknown email', 'nobody@example.com', PASSWORD],
    ['a user without a password', 'boris@example.com', PASSWORD],
  ])('answers 401 with one message for %s', async (_name, email, password) => {
    const response = await login(email, password);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ error: { code: 'unauthorized', message: 'Wrong email or password' } });
    expect(response.cookies).toEqual([]);
  });

  it.each([
    ['email', { password: PASSWORD }],
    ['password', { email: 'anna@example.com' }],
  ])('names the missing %s', async (field, payload) => {
    const response = await test.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.field).toBe(field);
  });

  it('refuses an address and email after 10 failures, even with the right password', async () => {
    for (let i = 0; i < 10; i++) expect((await login('anna@example.com', `wrong ${i}`)).statusCode).toBe(401);
    const refused = await login('anna@example.com', PASSWORD);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.message).toMatch(
      /Too many failed sign-ins for anna@example.com: try again in 15 minutes/,
    );
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(800);
    expect((await login('anna@example.com', PASSWORD, { 'x-forwarded-for': '10.9.9.9' })).statusCode).toBe(200);
  });

  it('forgets failures after a successful sign-in', async () => {
    for (let i = 0; i < 9; i++) await login('anna@example.com', 'wrong');
    expect((await login('anna@example.com', PASSWORD)).statusCode).toBe(200);
    for (let i = 0; i < 9; i++) await login('anna@example.com', 'wrong');
    expect((await login('anna@example.com', PASSWORD)).statusCode).toBe(200);
  });

  it('answers /me with the user, CSRF token and extensions, and slides the session', async () => {
    const session = await signIn(test.app, 'anna@example.com', PASSWORD);
    const soon = new Date(Date.now() + 3600_000).toISOString();
    await getStore().sessions.extendSession(sha256(session.cookie), soon);

    const response = await test.app.inject({ method: 'GET', url: '/api/v1/me', headers: session.read });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      user: { id: test.anna.id, email: 'anna@example.com' },
      csrfToken: session.csrfToken,
      extensions: [{ connectionId: test.connection.id, extension: '101' }],
    });
    const found = await getStore().sessions.findSession(sha256(session.cookie), new Date().toISOString());
    expect(Date.parse(found!.session.expires_at)).toBeGreaterThan(Date.now() + 29 * 24 * 3600_000);
    expect(response.cookies.find((c) => c.name === 'sb_session')?.value).toBe(session.cookie);
  });

  it('answers /me for a bearer token without a CSRF token', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/api/v1/me', headers: await test.auth(test.boris) });
    expect(response.statusCode).toBe(200);
    expect(response.json().user.email).toBe('boris@example.com');
    expect(response.json()).not.toHaveProperty('csrfToken');
  });

  it('answers 401 to /me without a session, with an unknown cookie and with an expired session', async () => {
    const session = await signIn(test.app, 'anna@example.com', PASSWORD);
    await getStore().sessions.extendSession(sha256(session.cookie), new Date(Date.now() - 1000).toISOString());
    for (const headers of [{}, { cookie: 'sb_session=made-up' }, session.read]) {
      const response = await test.app.inject({ method: 'GET', url: '/api/v1/me', headers });
      expect(response.statusCode).toBe(401);
    }
  });

  it('signs out: deletes the session and clears the cookie', async () => {
    const session = await signIn(test.app, 'anna@example.com', PASSWORD);
    const response = await test.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: session.write });
    expect(response.statusCode).toBe(204);
    const cleared = response.cookies.find((c) => c.name === 'sb_session');
    expect(cleared?.value).toBe('');
    expect(cleared?.expires?.getTime()).toBeLessThan(Date.now());
    expect(await getStore().sessions.findSession(sha256(session.cookie), new Date().toISOString())).toBeUndefined();
    expect((await test.app.inject({ method: 'GET', url: '/api/v1/me', headers: session.read })).statusCode).toBe(401);
  });

  it('refuses sign-out without the CSRF token or without a session', async () => {
    const session = await signIn(test.app, 'anna@example.com', PASSWORD);
    const noCsrf = await test.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: session.read });
    expect(noCsrf.statusCode).toBe(403);
    expect((await test.app.inject({ method: 'POST', url: '/api/v1/auth/logout' })).statusCode).toBe(401);
    expect((await test.app.inject({ method: 'GET', url: '/api/v1/me', headers: session.read })).statusCode).toBe(200);
  });

  it.each([
    ['without X-CSRF-Token', () => ({}), 403],
    ['with a wrong X-CSRF-Token', () => ({ 'x-csrf-token': 'forged' }), 403],
    ['with the session X-CSRF-Token', (csrf: string) => ({ 'x-csrf-token': csrf }), 200],
  ])('a cookie-authenticated write %s answers %i', async (_name, extra, status) => {
    const session = await signIn(test.app, 'anna@example.com', PASSWORD);
    const response = await test.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${test.anna.id}`,
      headers: { ...session.read, ...extra(session.csrfToken) },
      payload: { name: 'Anna K.' },
    });
    expect(response.statusCode).toBe(status);
    const stored = await getStore().users.get(test.anna.id);
    expect(stored?.name).toBe(status === 200 ? 'Anna K.' : 'Anna');
  });

  it('lets a bearer token write without a CSRF token', async () => {
    const response = await test.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${test.anna.id}`,
      headers: await test.auth(test.anna),
      payload: { name: 'Anna K.' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().name).toBe('Anna K.');
  });
});
