import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { sha256 } from '../runtime/credentials.js';
import { describeEachDatabase } from '../testing/databases.js';
import { signIn } from '../testing/sign-in.js';
import { createTestApp, type TestApp } from '../testing/test-app.js';
import { buildProgram } from './main.js';

describeEachDatabase('switchboard user add / token create', (getStore, _dialect, getUrl) => {
  let test: TestApp;
  beforeEach(async () => {
    // Key material from the environment, so the commands write no key file.
    vi.stubEnv('SWITCHBOARD_SECRET', 'cli test key material');
    test = await createTestApp(getStore());
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await test?.app.close();
  });

  /** Runs a command line (split on spaces) in-process on the suite's database, as from a shell; returns stdout. */
  async function run(line: string): Promise<string> {
    let out = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    try {
      await buildProgram().parseAsync([...line.split(' '), '--db', getUrl()], { from: 'user' });
    } finally {
      write.mockRestore();
    }
    return out;
  }

  it('adds a user with the given password, who can then sign in', async () => {
    const out = await run('user add --email Vera@Example.com --name Vera --role admin --password vera-password');
    expect(out).toMatch(/^Added admin Vera <vera@example\.com> \(id [\w-]+\)\n$/);
    const session = await signIn(test.app, 'vera@example.com', 'vera-password');
    const me = await test.app.inject({ method: 'GET', url: '/api/v1/me', headers: session.read });
    expect(me.json().user).toMatchObject({ email: 'vera@example.com', role: 'admin' });
  });

  it('generates a password and prints it once, as JSON with --json', async () => {
    const out = JSON.parse(await run('user add --email gleb@example.com --name Gleb --role agent --json'));
    expect(out).toMatchObject({ email: 'gleb@example.com', name: 'Gleb', role: 'agent', extensions: [] });
    expect(out.generatedPassword).toMatch(/^[\w-]{16}$/);
    await signIn(test.app, 'gleb@example.com', out.generatedPassword);
  });

  it.each([
    ['role', '--email x@example.com --name X --role owner'],
    ['email', '--email nope --name X --role agent'],
    ['password', '--email x@example.com --name X --role agent --password short'],
  ])('refuses an invalid %s and adds nobody', async (field, args) => {
    await expect(run(`user add ${args}`)).rejects.toMatchObject({ code: 'validation', field });
    expect(await getStore().users.findByEmail('x@example.com')).toBeUndefined();
    expect(await getStore().users.count()).toBe(3);
  });

  it('refuses a taken email', async () => {
    await run('user add --email vera@example.com --name Vera --role agent');
    await expect(run('user add --email VERA@example.com --name V --role agent')).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('creates an API token that authenticates as the user and is stored only as a hash', async () => {
    await run('user add --email vera@example.com --name Vera --role agent');
    const out = await run('token create --email vera@example.com');
    const token = out.trim().split('\n').at(-1) ?? '';
    expect(out).toContain('API token "CLI" for vera@example.com');
    expect(token).toMatch(/^[\w-]{43}$/);

    const me = await test.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json().user.email).toBe('vera@example.com');
    const rows = await getStore().db.selectFrom('api_tokens').selectAll().execute();
    expect(rows.map((row) => row.token_hash)).toEqual([sha256(token)]);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('prints the token as JSON with --json, and refuses an unknown email', async () => {
    await run('user add --email vera@example.com --name Vera --role agent');
    const out = JSON.parse(await run('token create --email vera@example.com --name CRM-sync --json'));
    expect(out).toMatchObject({ name: 'CRM-sync', token: expect.stringMatching(/^[\w-]{43}$/) });
    await expect(run('token create --email nobody@example.com')).rejects.toMatchObject({ code: 'not_found' });
  });
});
