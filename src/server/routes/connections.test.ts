import type { InjectOptions } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import type { User } from '../../storage/index.js';
import { describeEachDatabase } from '../../testing/databases.js';
import { createTestApp, type TestApp } from '../../testing/test-app.js';

/** Nothing listens here: a module that calls it fails at once with "connection refused". */
const DEAD_API = 'http://127.0.0.1:9';

describeEachDatabase('connection routes', (getStore) => {
  let test: TestApp;
  afterEach(async () => test?.app.close());

  const call = async (user: User | null, method: InjectOptions['method'], url: string, payload?: unknown) =>
    test.app.inject({
      method,
      url,
      headers: user ? await test.auth(user) : {},
      ...(payload === undefined ? {} : { payload: payload as InjectOptions['payload'] }),
    });
  const asAdmin = (method: InjectOptions['method'], url: string, payload?: unknown) =>
    call(test.admin, method, url, payload);
  const base = () => `/api/v1/connections/${test.connection.id}`;

  const adminOnly: Array<[InjectOptions['method'], (t: TestApp) => string, unknown?]> = [
    ['GET', () => '/api/v1/connections'],
    ['POST', () => '/api/v1/connections', { connectorId: 'fake', settings: { secret: 's' } }],
    ['GET', (t) => `/api/v1/connections/${t.connection.id}`],
    ['PATCH', (t) => `/api/v1/connections/${t.connection.id}`, { name: 'Renamed' }],
    ['DELETE', (t) => `/api/v1/connections/${t.connection.id}`],
    ['POST', (t) => `/api/v1/connections/${t.connection.id}/test`],
    ['GET', (t) => `/api/v1/connections/${t.connection.id}/members`],
    ['GET', (t) => `/api/v1/connections/${t.connection.id}/bindings`],
    ['PUT', (t) => `/api/v1/connections/${t.connection.id}/bindings`, []],
    ['POST', (t) => `/api/v1/connections/${t.connection.id}/rotate-token`],
  ];

  it.each(adminOnly)('%s %s: 401 without a user, 403 for an agent, and nothing changes', async (method, url, body) => {
    test = await createTestApp(getStore());
    const before = await test.hub.store.connections.list();
    const anonymous = await call(null, method, url(test), body);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const agent = await call(test.anna, method, url(test), body);
    expect(agent.statusCode).toBe(403);
    expect(agent.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect(await test.hub.store.connections.list()).toEqual(before);
    expect(await test.hub.store.connections.listBindings(test.connection.id)).toHaveLength(2);
  });

  it('lists connector types with their settings forms to any signed-in user', async () => {
    test = await createTestApp(getStore());
    expect((await call(null, 'GET', '/api/v1/connectors')).statusCode).toBe(401);
    const response = await call(test.anna, 'GET', '/api/v1/connectors');
    expect(response.statusCode).toBe(200);
    const fake = response.json().find((connector: { id: string }) => connector.id === 'fake');
    expect(fake).toMatchObject({ name: 'Fake PBX (test/dev)', docsUrl: 'docs/connectors/fake.md' });
    expect(fake.settings).toContainEqual(expect.objectContaining({ key: 'secret', required: true, secret: true }));
    expect(fake.settings).toContainEqual(expect.objectContaining({ key: 'apiUrl', type: 'url' }));
  });

  it('creates a connection: secrets sealed at rest and shown only as set', async () => {
    test = await createTestApp(getStore());
    const response = await asAdmin('POST', '/api/v1/connections', {
      connectorId: 'fake',
      name: '  Branch office ',
      settings: { secret: 'top-secret', members: '201:Vera' },
      unknownCallerPolicy: 'never',
      ownNumbers: ['8 (495) 123-45-67'],
    });
    expect(response.statusCode).toBe(201);
    const view = response.json();
    expect(view).toMatchObject({
      connectorId: 'fake',
      name: 'Branch office',
      enabled: true,
      settings: { secret: { set: true }, members: '201:Vera', apiUrl: null },
      unknownCallerPolicy: 'never',
      ownNumbers: ['+74951234567'],
      lastWebhookAt: null,
      errorsLastHour: 0,
      webhookUpdate: { ok: true },
    });
    expect(view.webhookUrl).toBe(`http://hub.test/hooks/${view.id}/${view.webhookToken}`);
    expect(response.body).not.toContain('top-secret');
    const stored = await test.hub.store.connections.get(view.id);
    expect(stored?.settings).not.toContain('top-secret');
    // The module was told where its webhook is.
    expect(await test.hub.store.connections.getItem(view.id, 'webhookUrl')).toBe(view.webhookUrl);
  });

  it.each([
    [{ settings: { secret: 's' } }, 'connectorId'],
    [{ connectorId: 'nope' }, 'connectorId'],
    [{ connectorId: 'fake' }, 'settings.secret'],
    [{ connectorId: 'fake', settings: { secret: 's', colour: 'red' } }, 'settings.colour'],
    [{ connectorId: 'fake', settings: { secret: 's' }, timeoutMs: 'soon' }, 'timeoutMs'],
    [{ connectorId: 'fake', settings: { secret: 's' }, timeoutMs: 50 }, 'timeoutMs'],
    [{ connectorId: 'fake', settings: { secret: 's' }, unknownCallerPolicy: 'always' }, 'unknownCallerPolicy'],
    [{ connectorId: 'fake', settings: { secret: 's' }, defaultCountry: 'XX' }, 'defaultCountry'],
  ])('refuses to create %j naming %s', async (body, field) => {
    test = await createTestApp(getStore());
    const response = await asAdmin('POST', '/api/v1/connections', body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'validation', field } });
    expect(await test.hub.store.connections.list()).toHaveLength(1);
  });

  it('shows one connection with its inbox figures: the latest webhook and the errors of the last hour', async () => {
    test = await createTestApp(getStore());
    await test.post({ type: 'start', direction: 'in', from: '+74951234567', to: '101', callId: 'a' });
    await test.hub.intake.receive(test.connection, { ...test.request({ type: 'start' }), headers: {} });
    const rows = (await test.hub.store.webhooks.list({})).items;
    expect(rows.map((row) => row.status)).toEqual(['rejected', 'processed']);

    const one = await asAdmin('GET', base());
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({
      id: test.connection.id,
      lastWebhookAt: rows[0]?.received_at,
      errorsLastHour: 1,
    });
    const list = await asAdmin('GET', '/api/v1/connections');
    expect(list.json()).toEqual([one.json()]);
    expect((await asAdmin('GET', '/api/v1/connections/nope')).statusCode).toBe(404);
  });

  it('saves changes and reports a failed webhook registration without failing the save', async () => {
    test = await createTestApp(getStore());
    const renamed = await asAdmin('PATCH', base(), { name: 'Head office', settings: { secret: { set: true } } });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Head office', webhookUpdate: { ok: true } });

    const broken = await asAdmin('PATCH', base(), { settings: { apiUrl: DEAD_API } });
    expect(broken.statusCode).toBe(200);
    expect(broken.json()).toMatchObject({ settings: { apiUrl: DEAD_API, secret: { set: true } } });
    expect(broken.json().webhookUpdate).toEqual({ ok: false, message: expect.stringMatching(/did not answer/) });
    const stored = await test.hub.store.connections.get(test.connection.id);
    expect(JSON.parse(stored?.settings ?? '{}')).toMatchObject({ apiUrl: DEAD_API });
  });

  it.each([
    [{ connectorId: 'other' }, 400, 'connectorId'],
    [{ name: '   ' }, 400, 'name'],
    [{ enabled: 'perhaps' }, 400, 'enabled'],
  ])('refuses the change %j', async (body, status, field) => {
    test = await createTestApp(getStore());
    const response = await asAdmin('PATCH', base(), body);
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ error: { field } });
    expect(await test.hub.store.connections.get(test.connection.id)).toEqual(test.connection);
  });

  it('deletes a connection', async () => {
    test = await createTestApp(getStore());
    const response = await asAdmin('DELETE', base());
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect((await asAdmin('GET', base())).statusCode).toBe(404);
    expect((await asAdmin('DELETE', base())).json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('tests the connection: a failure is a result with the reason', async () => {
    test = await createTestApp(getStore());
    const ok = await asAdmin('POST', `${base()}/test`);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ success: true });
    await asAdmin('PATCH', base(), { settings: { failTest: 'The PBX is in maintenance' } });
    const failed = await asAdmin('POST', `${base()}/test`);
    expect(failed.statusCode).toBe(200);
    expect(failed.json()).toEqual({ success: false, failReason: 'The PBX is in maintenance' });
  });

  it("lists the PBX's members, and answers a provider failure with its status and message", async () => {
    test = await createTestApp(getStore());
    const members = await asAdmin('GET', `${base()}/members`);
    expect(members.statusCode).toBe(200);
    expect(members.json()).toEqual([
      { id: '101', label: 'Anna' },
      { id: '102', label: 'Boris' },
    ]);
    await asAdmin('PATCH', base(), { settings: { members: '101:Anna,101:Again' } });
    const failed = await asAdmin('GET', `${base()}/members`);
    expect(failed.statusCode).toBe(502);
    expect(failed.json()).toMatchObject({
      error: { code: 'provider_error', message: 'The Members setting lists extension 101 twice: keep one' },
    });
  });

  it('reads and replaces the bindings', async () => {
    test = await createTestApp(getStore());
    const current = await asAdmin('GET', `${base()}/bindings`);
    expect(current.json()).toEqual([
      { extension: '101', userId: test.anna.id },
      { extension: '102', userId: test.boris.id },
    ]);
    const replaced = await asAdmin('PUT', `${base()}/bindings`, [
      { extension: '103', userId: test.boris.id },
      { extension: '101', userId: test.admin.id },
    ]);
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toEqual([
      { extension: '101', userId: test.admin.id },
      { extension: '103', userId: test.boris.id },
    ]);
    expect((await asAdmin('GET', `${base()}/bindings`)).json()).toEqual(replaced.json());
  });

  it.each([
    [[{ extension: '101', userId: 'nobody' }], 'bindings[0].userId'],
    [[{ extension: '101' }], '[0].userId'],
    [{ extension: '101', userId: 'x' }, 'body'],
  ])('refuses bindings %j naming %s, keeping the old ones', async (body, field) => {
    test = await createTestApp(getStore());
    const response = await asAdmin('PUT', `${base()}/bindings`, body);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'validation', field } });
    expect(await test.hub.store.connections.listBindings(test.connection.id)).toHaveLength(2);
  });

  it('rotates the token: the old webhook URL stops working, the new one works and the module is told', async () => {
    test = await createTestApp(getStore());
    const oldPath = `/hooks/${test.connection.id}/${test.connection.webhook_token}`;
    const response = await asAdmin('POST', `${base()}/rotate-token`);
    expect(response.statusCode).toBe(200);
    const view = response.json();
    expect(view.webhookToken).not.toBe(test.connection.webhook_token);
    expect(view.webhookUrl).toBe(`http://hub.test/hooks/${test.connection.id}/${view.webhookToken}`);
    expect(view.webhookUpdate).toEqual({ ok: true });
    expect(await test.hub.store.connections.getItem(test.connection.id, 'webhookUrl')).toBe(view.webhookUrl);
    expect((await test.app.inject({ method: 'GET', url: `${oldPath}/echo?x=1` })).statusCode).toBe(404);
    const fresh = await test.app.inject({
      method: 'GET',
      url: `/hooks/${test.connection.id}/${view.webhookToken}/echo?x=1`,
    });
    expect(fresh.statusCode).toBe(200);
  });
});
