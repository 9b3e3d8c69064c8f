/**
 * ELMA365 script modules end to end: scripts written as for ELMA365 (examples/elma365/) are uploaded
 * through the admin API and then work like built-in connectors against the emulators: Test connection,
 * members, bindings, webhooks into calls with owners, recordings, click-to-call and a 400 on bad input.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findConnector } from '../src/connectors/index.js';
import { startFakeEmulator, type FakeEmulator } from '../src/emulators/fake/fake-emulator.js';
import { startMangoEmulator, type MangoEmulator } from '../src/emulators/mango-office/mango-office-emulator.js';
import type { CallDetailsView, CallView } from '../src/runtime/call-view.js';
import { createHub, type Hub } from '../src/runtime/hub.js';
import { createSecretBox } from '../src/runtime/secret-box.js';
import { createApiToken, createUser } from '../src/runtime/users.js';
import { buildApp } from '../src/server/app.js';
import { Counters } from '../src/server/metrics.js';
import { openDatabase, type Store } from '../src/storage/index.js';
import { closedPort } from '../src/testing/http-helpers.js';

const example = (file: string) => readFileSync(new URL(`../examples/elma365/${file}`, import.meta.url), 'utf8');
const CLIENT = '79161234567';

describe('ELMA365 script modules through the real server', () => {
  let store: Store;
  let hub: Hub;
  let app: FastifyInstance;
  let base: string;
  const tokens: Record<'admin' | 'anna' | 'boris', string> = { admin: '', anna: '', boris: '' };
  const ids: Record<'anna' | 'boris', string> = { anna: '', boris: '' };

  const api = (who: keyof typeof tokens, path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      redirect: 'manual',
      headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json', ...init.headers },
    });
  const json = async <T = Record<string, unknown>>(who: keyof typeof tokens, path: string, init: RequestInit = {}) => {
    const response = await api(who, path, init);
    const body = (await response.json()) as T;
    if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path} → ${response.status} ${JSON.stringify(body)}`);
    return body;
  };
  const install = (name: string, file: string, settings: unknown[]) =>
    json<{ id: string; functions: string[] }>('admin', '/api/v1/modules', {
      method: 'POST',
      body: JSON.stringify({ name, source: example(file), settings }),
    });
  const connect = async (connectorId: string, settings: Record<string, string>) => {
    const saved = await json<{ id: string; webhookUrl: string }>('admin', '/api/v1/connections', {
      method: 'POST',
      body: JSON.stringify({ connectorId, name: connectorId, settings }),
    });
    await json('admin', `/api/v1/connections/${saved.id}/bindings`, {
      method: 'PUT',
      body: JSON.stringify([
        { extension: '101', userId: ids.anna },
        { extension: '102', userId: ids.boris },
      ]),
    });
    return saved;
  };
  const calls = async () => (await json<{ items: CallView[] }>('admin', '/api/v1/calls?limit=100')).items;
  const callByExternal = async (externalId: string) => {
    const found = (await calls()).find((c) => c.externalId === externalId);
    if (!found) throw new Error(`no call ${externalId}`);
    return json<CallDetailsView>('admin', `/api/v1/calls/${found.id}`);
  };

  beforeEach(async () => {
    store = await openDatabase(':memory:');
    const port = await closedPort();
    base = `http://127.0.0.1:${port}`;
    const log = pino({ level: 'silent' });
    hub = createHub({ store, box: createSecretBox('elma365 test key'), log, publicUrl: base, findConnector });
    app = await buildApp({ hub, logger: log, counters: new Counters() });
    await hub.start();
    await app.listen({ port, host: '127.0.0.1' });
    for (const [name, role] of [
      ['admin', 'admin'],
      ['anna', 'agent'],
      ['boris', 'agent'],
    ] as const) {
      const { user } = await createUser(hub, { email: `${name}@example.com`, name, role, password: 'password-123' });
      tokens[name] = (await createApiToken(hub, user.id, 'test')).token;
      if (name !== 'admin') ids[name] = user.id;
    }
  });

  afterEach(async () => {
    await app?.close();
    await hub?.stop();
    await store?.close();
  });

  describe('a Mango Office script against the Mango emulator', () => {
    let emulator: MangoEmulator;
    beforeEach(async () => {
      emulator = await startMangoEmulator({
        apiKey: 'elma-key',
        apiSalt: 'elma-salt',
        staff: [
          { extension: '101', name: 'Anna Smirnova' },
          { extension: '102', name: 'Boris Ivanov' },
        ],
      });
    });
    afterEach(() => emulator.close());

    it('installs, connects, tracks calls with recordings and places calls', async () => {
      const module = await install('Mango ELMA', 'mango-office.ts', [
        { key: 'apiKey', label: 'vpbx_api_key', required: true },
        { key: 'apiSalt', label: 'vpbx_api_salt', required: true, secret: true },
        { key: 'apiUrl', type: 'url', label: 'API address' },
      ]);
      expect(module).toMatchObject({ id: 'ext-mango-elma' });
      expect(module.functions).not.toContain('VoipOnWebhookUpdated');
      const connectors = await json<Array<{ id: string }>>('anna', '/api/v1/connectors');
      expect(connectors.map((c) => c.id)).toContain('ext-mango-elma');

      const { id, webhookUrl } = await connect(module.id, {
        apiKey: 'elma-key',
        apiSalt: 'elma-salt',
        apiUrl: emulator.apiUrl,
      });
      expect(await json('admin', `/api/v1/connections/${id}/test`, { method: 'POST', body: '{}' })).toEqual({
        success: true,
      });
      expect(await json('admin', `/api/v1/connections/${id}/members`)).toEqual([
        { id: '101', label: 'Anna Smirnova' },
        { id: '102', label: 'Boris Ivanov' },
      ]);

      emulator.configure({ hubUrl: webhookUrl });
      const played = await emulator.playScenario({ name: 'recorded', client: CLIENT });
      expect(played.notifications.map((n) => n.status)).toEqual(played.notifications.map(() => 200));
      const call = await callByExternal(played.entryId);
      expect(call).toMatchObject({ direction: 'in', status: 'ended', duration: 42, hasRecording: true });
      expect(call.ownerId).toBe(ids.anna);
      const recording = await json<{ url: string }>('anna', `/api/v1/calls/${call.id}/recording?format=json`);
      expect(recording.url).toMatch(new RegExp(`^${emulator.url}/files/`));
      expect((await fetch(recording.url)).headers.get('content-type')).toMatch(/audio/);

      const started = await json<{ status: string }>('boris', '/api/v1/calls', {
        method: 'POST',
        body: JSON.stringify({ to: `+${CLIENT}` }),
      });
      expect(started.status).not.toBe('failed');
      await emulator.idle();
      const callback = emulator.commands.find((c) => c.path.endsWith('commands/callback'));
      expect(callback?.payload).toMatchObject({ from: { extension: '102' }, to_number: CLIENT });

      // Bad input gets the script's own 400 with {error}, and no call.
      const before = (await calls()).length;
      const forged = await fetch(`${webhookUrl}/events/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'vpbx_api_key=elma-key&sign=0000&json=%7B%7D',
      });
      expect(forged.status).toBe(400);
      expect(await forged.json()).toEqual({ error: 'Bad signature' });
      const notForm = await fetch(`${webhookUrl}/events/call`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      expect(notForm.status).toBe(400);
      expect((await calls()).length).toBe(before);
    });
  });

  describe('a Gravitel-style script against the fake PBX API', () => {
    let emulator: FakeEmulator;
    beforeEach(async () => {
      emulator = await startFakeEmulator({
        secret: 'gravitel-key',
        members: [
          { ext: '101', name: 'Anna' },
          { ext: '102', name: 'Boris' },
        ],
      });
    });
    afterEach(() => emulator.close());

    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

    it('installs, registers its webhook URL, turns form posts into calls and places calls', async () => {
      const module = await install('Gravitel style', 'gravitel-style.ts', [
        { key: 'apiKey', label: 'API key', required: true, secret: true },
        { key: 'endpoint', type: 'url', label: 'PBX address', required: true },
      ]);
      expect(module.functions).toContain('VoipOnWebhookUpdated');
      const { id, webhookUrl } = await connect(module.id, { apiKey: 'gravitel-key', endpoint: emulator.url });
      // The module registered its webhook URL with the PBX when the connection was made.
      expect(emulator.subscriptions).toContain(webhookUrl);
      expect(await json('admin', `/api/v1/connections/${id}/test`, { method: 'POST', body: '{}' })).toEqual({
        success: true,
      });
      expect(await json('admin', `/api/v1/connections/${id}/members`)).toEqual([
        { id: '101', label: 'Anna' },
        { id: '102', label: 'Boris' },
      ]);

      const post = (fields: Record<string, string>) =>
        fetch(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form({ token: 'gravitel-key', ...fields }),
        });
      const common = { phone: `+${CLIENT}`, ext: '102', callid: 'g-1' };
      for (const type of ['INCOMING', 'ACCEPTED', 'COMPLETED']) {
        expect((await post({ cmd: 'event', type, ...common })).status).toBe(200);
      }
      const history = await post({
        cmd: 'history',
        type: 'in',
        duration: '37',
        status: 'Success',
        link: `${emulator.url}/records/g-1.mp3`,
        ...common,
      });
      expect(history.status).toBe(200);
      const call = await callByExternal('g-1');
      expect(call).toMatchObject({ direction: 'in', status: 'ended', duration: 37, hasRecording: true, missed: false });
      expect(call.ownerId).toBe(ids.boris);
      const recording = await json<{ url: string }>('boris', `/api/v1/calls/${call.id}/recording?format=json`);
      expect(recording.url).toBe(`${emulator.url}/records/g-1.mp3`);

      await json('anna', '/api/v1/calls', { method: 'POST', body: JSON.stringify({ to: `+${CLIENT}` }) });
      expect(emulator.calls.at(-1)).toEqual({ from: '101', to: `+${CLIENT}` });

      const wrongToken = await post({ cmd: 'event', type: 'INCOMING', ...common, token: 'nope' });
      expect(wrongToken.status).toBe(400);
      expect(await wrongToken.json()).toEqual({ error: 'Invalid token' });
      const unknown = await post({ cmd: 'event', type: 'TELEPORTED', ...common });
      expect(await unknown.json()).toEqual({ error: 'Unknown event type: TELEPORTED' });
    });

    it('contains a hostile script: loops, throws and process are reported, the hub keeps serving', async () => {
      const hostile = [
        'async function VoipTestConnection() { for (;;) {} }',
        'async function VoipGetMembers() { return process.env; }',
        "async function VoipParseWebhookRequest(request) { throw new Error('parser exploded'); }",
        'async function VoipGenerateCall(src, dst) { await new Promise(() => {}); }',
        'async function VoipGetCallLink(data) { return 42; }',
      ].join('\n');
      const module = await json<{ id: string }>('admin', '/api/v1/modules', {
        method: 'POST',
        body: JSON.stringify({ name: 'Hostile', source: hostile }),
      });
      const saved = await json<{ id: string; webhookUrl: string }>('admin', '/api/v1/connections', {
        method: 'POST',
        body: JSON.stringify({ connectorId: module.id, name: 'Hostile', timeoutMs: 1500 }),
      });
      await json('admin', `/api/v1/connections/${saved.id}/bindings`, {
        method: 'PUT',
        body: JSON.stringify([{ extension: '101', userId: ids.anna }]),
      });
      const message = async (response: Response) =>
        (await response.json()) as { success?: boolean; failReason?: string; error?: { message: string } };
      const tested = await message(
        await api('admin', `/api/v1/connections/${saved.id}/test`, { method: 'POST', body: '{}' }),
      );
      expect(JSON.stringify(tested)).toMatch(/Test connection timed out after 1.5 s/);
      const members = await api('admin', `/api/v1/connections/${saved.id}/members`);
      expect(members.status).toBe(502);
      expect((await message(members)).error?.message).toMatch(/process is not defined/);
      const hook = await fetch(saved.webhookUrl, { method: 'POST', body: 'x=1' });
      expect(hook.status).toBeGreaterThanOrEqual(500);
      const dial = await api('anna', '/api/v1/calls', { method: 'POST', body: JSON.stringify({ to: `+${CLIENT}` }) });
      expect((await message(dial)).error?.message).toMatch(/timed out after 1.5 s/);
      // Still serving, and the module still answers after its stuck worker was replaced.
      expect((await api('admin', '/api/v1/connectors')).status).toBe(200);
      const again = await api('admin', `/api/v1/connections/${saved.id}/members`);
      expect((await message(again)).error?.message).toMatch(/process is not defined/);
    }, 30_000);

    it('refuses a broken upload with a 400 and installs nothing', async () => {
      const response = await api('admin', '/api/v1/modules', {
        method: 'POST',
        body: JSON.stringify({ name: 'Broken', source: 'async function VoipTestConnection() {' }),
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/does not parse/);
      expect(await json<unknown[]>('admin', '/api/v1/modules')).toEqual([]);
      const agent = await api('anna', '/api/v1/modules');
      expect(agent.status).toBe(403);
    });
  });
});
