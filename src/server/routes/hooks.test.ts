import { afterEach, expect, it } from 'vitest';
import { FAKE_SIGNATURE_HEADER, signFakeBody } from '../../connectors/fake/fake-webhook.js';
import { describeEachDatabase } from '../../testing/databases.js';
import { FAKE_SECRET, type TestHub } from '../../testing/test-hub.js';
import { createTestApp, type TestApp } from '../../testing/test-app.js';

describeEachDatabase('webhook endpoint', (getStore) => {
  let test: TestApp;
  afterEach(async () => test?.app.close());

  const hookUrl = (t: TestHub, sub = '') => `/hooks/${t.connection.id}/${t.connection.webhook_token}${sub}`;
  const signed = (payload: object) => {
    const body = JSON.stringify(payload);
    return {
      body,
      headers: { 'content-type': 'application/json', [FAKE_SIGNATURE_HEADER]: signFakeBody(body, FAKE_SECRET) },
    };
  };

  it('hands the raw body to the module and creates the call', async () => {
    test = await createTestApp(getStore());
    const { body, headers } = signed({ type: 'start', direction: 'in', from: '+74951234567', to: '101', callId: 'h1' });
    const response = await test.app.inject({ method: 'POST', url: hookUrl(test), payload: body, headers });

    expect(response.statusCode).toBe(200);
    const [row] = (await test.hub.store.webhooks.list({})).items;
    expect(row).toMatchObject({ body, path: '/', status: 'processed' });
    expect((await test.hub.store.calls.list({})).items).toHaveLength(1);
    expect(test.counters.get('webhooks_received', { connection: test.connection.id })).toBe(1);
  });

  it('tells the module the sender address it trusts: the socket, or X-Forwarded-For from a trusted proxy only', async () => {
    test = await createTestApp(getStore());
    const { body, headers } = signed({ type: 'start', direction: 'in', from: '+74951234567', to: '101', callId: 'ip' });
    const forged = { ...headers, 'x-real-ip': '81.88.80.132', 'x-forwarded-for': '81.88.80.132' };
    // A client straight from the internet cannot claim an address; the proxy on this machine (loopback) can.
    await test.app.inject({
      method: 'POST',
      url: hookUrl(test),
      payload: body,
      headers: forged,
      remoteAddress: '203.0.113.9',
    });
    await test.app.inject({
      method: 'POST',
      url: hookUrl(test, '/x'),
      payload: body,
      headers: forged,
      remoteAddress: '127.0.0.1',
    });
    const rows = (await test.hub.store.webhooks.list({})).items.map((row) => JSON.parse(row.headers)['x-real-ip']);
    expect(rows.sort()).toEqual(['203.0.113.9', '81.88.80.132']);
  });

  it('passes sub-paths, the query and GET requests to the module', async () => {
    test = await createTestApp(getStore());
    const response = await test.app.inject({ method: 'GET', url: hookUrl(test, '/echo?x=hello%20there') });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('hello there');
    const [row] = (await test.hub.store.webhooks.list({})).items;
    expect(row).toMatchObject({ method: 'GET', path: '/echo', query: JSON.stringify({ x: 'hello there' }) });
  });

  it.each([
    ['a wrong token', (t: TestHub) => `/hooks/${t.connection.id}/wrong-token`],
    ['an unknown connection', (t: TestHub) => `/hooks/nope/${t.connection.webhook_token}`],
  ])('answers 404 for %s and stores nothing but a counter', async (_name, url) => {
    test = await createTestApp(getStore());
    const { body, headers } = signed({ type: 'start', direction: 'in', from: '+74951234567', to: '101' });
    const response = await test.app.inject({ method: 'POST', url: url(test), payload: body, headers });
    expect(response.statusCode).toBe(404);
    expect((await test.hub.store.webhooks.list({})).items).toEqual([]);
    expect(test.counters.get('webhooks_refused')).toBe(1);
  });

  it('answers 404 for a disabled connection', async () => {
    test = await createTestApp(getStore());
    await test.hub.store.connections.update(test.connection.id, { enabled: 0, updated_at: '2026-01-01' });
    const response = await test.app.inject({ method: 'POST', url: hookUrl(test), payload: '{}' });
    expect(response.statusCode).toBe(404);
    expect((await test.hub.store.webhooks.list({})).items).toEqual([]);
  });

  it('refuses bodies over 1 MiB with 413', async () => {
    test = await createTestApp(getStore());
    const response = await test.app.inject({
      method: 'POST',
      url: hookUrl(test),
      payload: 'x'.repeat(1024 * 1024 + 1),
      headers: { 'content-type': 'text/plain' },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });
});
