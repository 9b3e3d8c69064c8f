/**
 * Secrets never reach the log: a real hub process at debug level goes through sign-in, API tokens, a Mango
 * connection with its salt, Test connection, Configure, calls with recordings, forged webhooks and a module
 * failure; then its whole output is searched for every secret it handled.
 */
import { expect, it } from 'vitest';
import { startMangoEmulator } from '../src/emulators/mango-office/mango-office-emulator.js';
import { createTestDatabase } from '../src/testing/databases.js';
import { runCli, startHubProcess } from '../src/testing/hub-process.js';

const ADMIN_PASSWORD = 'admin-password-8s7d6f';
const AGENT_PASSWORD = 'agent-password-2k3j4h';
const API_KEY = 'mango-key-5t4r3e';
const API_SALT = 'mango-salt-9q8w7e';

it('keeps passwords, tokens, cookies and connection secrets out of the log', async () => {
  const database = await createTestDatabase('sqlite');
  const hub = await startHubProcess(database.target, {
    SWITCHBOARD_LOG_LEVEL: 'debug',
    SWITCHBOARD_ADMIN_EMAIL: 'admin@example.com',
    SWITCHBOARD_ADMIN_PASSWORD: ADMIN_PASSWORD,
  });
  let output = '';
  /** Secrets the hub hands out during the run. */
  const issued: Record<string, string> = {};
  hub.child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const emulator = await startMangoEmulator({ apiKey: API_KEY, apiSalt: API_SALT });
  try {
    const login = await fetch(`${hub.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com', password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const admin = { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
    Object.assign(issued, { session: cookie.split('=')[1]!, csrfToken });
    const wrong = await fetch(`${hub.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com', password: `${ADMIN_PASSWORD}-wrong` }),
    });
    expect(wrong.status).toBe(401);

    await runCli(
      database.target,
      ...['user', 'add', '--email', 'anna@example.com', '--name', 'Anna', '--role', 'agent'],
      ...['--password', AGENT_PASSWORD],
    );
    const token = String((await runCli(database.target, 'token', 'create', '--email', 'anna@example.com')).token);
    issued.apiToken = token;

    const created = await fetch(`${hub.base}/api/v1/connections`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({
        connectorId: 'mango-office',
        name: 'Mango',
        settings: { apiKey: API_KEY, apiSalt: API_SALT, apiUrl: emulator.apiUrl },
      }),
    });
    expect(created.status).toBe(201);
    const connection = (await created.json()) as { id: string; webhookUrl: string; webhookToken: string };
    issued.webhookToken = connection.webhookToken;
    await runCli(database.target, 'connection', 'bind', connection.id, '101', 'anna@example.com');
    expect(
      (
        await fetch(`${hub.base}/api/v1/connections/${connection.id}/test`, {
          method: 'POST',
          headers: admin,
          body: '{}',
        })
      ).status,
    ).toBe(200);
    expect((await fetch(`${hub.base}/api/v1/connections/${connection.id}/members`, { headers: admin })).status).toBe(
      200,
    );

    emulator.configure({ hubUrl: connection.webhookUrl });
    await emulator.playScenario({ name: 'recorded' });
    await emulator.idle();
    const forged = await fetch(`${connection.webhookUrl}/events/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ vpbx_api_key: API_KEY, sign: 'forged', json: '{}' }).toString(),
    });
    expect(forged.status).toBe(401);
    const agent = { authorization: `Bearer ${token}` };
    const calls = (await (await fetch(`${hub.base}/api/v1/calls`, { headers: agent })).json()) as {
      items: Array<{ id: string }>;
    };
    expect(calls.items.length).toBeGreaterThan(0);
    const recording = await fetch(`${hub.base}/api/v1/calls/${calls.items[0]!.id}/recording`, {
      headers: agent,
      redirect: 'manual',
    });
    expect(recording.status).toBe(302);
    const click = await fetch(`${hub.base}/api/v1/calls`, {
      method: 'POST',
      headers: { ...agent, 'content-type': 'application/json' },
      body: JSON.stringify({ to: '+79161234567' }),
    });
    expect(click.status).toBe(202);

    // A module failure logs a warning with details: the salt must not be among them.
    await fetch(`${hub.base}/api/v1/connections/${connection.id}`, {
      method: 'PATCH',
      headers: admin,
      body: JSON.stringify({ settings: { apiSalt: 'another-salt-1a2b3c' } }),
    });
    await fetch(`${hub.base}/api/v1/connections/${connection.id}/test`, { method: 'POST', headers: admin, body: '{}' });
    await emulator.playScenario({ name: 'incoming-missed' });
    await emulator.idle();
  } finally {
    await hub.stop();
    await emulator.close();
    await database.dispose();
  }

  expect(output.split('\n').length, 'the hub logged at debug level').toBeGreaterThan(20);
  expect(Object.keys(issued)).toEqual(['session', 'csrfToken', 'apiToken', 'webhookToken']);
  const secrets = { ADMIN_PASSWORD, AGENT_PASSWORD, API_SALT, newSalt: 'another-salt-1a2b3c', ...issued };
  for (const [name, secret] of Object.entries(secrets)) expect(output, name).not.toContain(secret);
  expect(output).not.toMatch(/"sign":"[0-9a-f]{64}"|sign=[0-9a-f]{64}/);
});
