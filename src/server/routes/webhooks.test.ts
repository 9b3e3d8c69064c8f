import { afterEach, expect, it } from 'vitest';
import { FAKE_SIGNATURE_HEADER, signFakeBody } from '../../connectors/fake/fake-webhook.js';
import { createConnection } from '../../runtime/connections.js';
import { describeEachDatabase } from '../../testing/databases.js';
import { createTestApp, type TestApp } from '../../testing/test-app.js';

describeEachDatabase('webhook inbox routes', (getStore) => {
  let test: TestApp;
  afterEach(async () => test?.app.close());

  const list = async (query = '') =>
    test.app.inject({ method: 'GET', url: `/api/v1/webhooks${query}`, headers: await test.auth(test.admin) });
  const replay = async (id: number | string) =>
    test.app.inject({ method: 'POST', url: `/api/v1/webhooks/${id}/replay`, headers: await test.auth(test.admin) });
  const start = (callId: string) => ({ type: 'start', direction: 'in', from: '+74951234567', to: '101', callId });

  it.each([
    ['GET', '/api/v1/webhooks'],
    ['POST', '/api/v1/webhooks/1/replay'],
  ] as const)('%s %s: 401 without a user, 403 for an agent', async (method, url) => {
    test = await createTestApp(getStore());
    expect((await test.app.inject({ method, url })).statusCode).toBe(401);
    expect((await test.app.inject({ method, url, headers: await test.auth(test.anna) })).statusCode).toBe(403);
  });

  it('lists stored requests newest first as camelCase rows with their outcome', async () => {
    test = await createTestApp(getStore());
    await test.post(start('c1'));
    await test.hub.intake.receive(test.connection, { ...test.request(start('c2')), headers: {}, query: { a: '1' } });

    const response = await list();
    expect(response.statusCode).toBe(200);
    const { items, nextCursor } = response.json();
    expect(nextCursor).toBeNull();
    expect(items).toHaveLength(2);
    const call = (await test.hub.store.calls.list({})).items[0];
    expect(items[1]).toEqual({
      id: expect.any(Number),
      connectionId: test.connection.id,
      method: 'POST',
      path: '/',
      query: {},
      headers: expect.objectContaining({ [FAKE_SIGNATURE_HEADER]: expect.any(String) }),
      body: JSON.stringify(start('c1')),
      receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      status: 'processed',
      responseStatus: 200,
      responseBody: expect.any(String),
      parseResult: { event: expect.objectContaining({ callId: 'c1' }) },
      error: null,
      callId: call?.id,
      processedAt: expect.stringMatching(/^\d{4}-/),
      attempts: 1,
    });
    expect(items[0]).toMatchObject({ status: 'rejected', query: { a: '1' }, responseStatus: 400, callId: null });
  });

  it('filters by connection and status and pages with the cursor', async () => {
    test = await createTestApp(getStore());
    const { connection: other } = await createConnection(test.hub, {
      connectorId: 'fake',
      name: 'Other',
      settings: { secret: 'other' },
    });
    for (const id of ['c1', 'c2', 'c3']) await test.post(start(id));
    const body = JSON.stringify(start('x'));
    await test.hub.intake.receive(other, {
      ...test.request(start('x')),
      headers: { 'content-type': 'application/json', [FAKE_SIGNATURE_HEADER]: signFakeBody(body, 'other') },
    });

    const mine = (await list(`?connectionId=${test.connection.id}`)).json().items;
    expect(mine.map((row: { body: string }) => JSON.parse(row.body).callId)).toEqual(['c3', 'c2', 'c1']);
    expect((await list(`?connectionId=${other.id}&status=processed`)).json().items).toHaveLength(1);
    expect((await list(`?connectionId=${other.id}&status=failed`)).json().items).toEqual([]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ body: string }>; nextCursor: string | null } = (
        await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      seen.push(...page.items.map((row) => JSON.parse(row.body).callId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['x', 'c3', 'c2', 'c1']);
  });

  it.each([
    ['?status=lost', 'status'],
    ['?limit=0', 'limit'],
    ['?limit=501', 'limit'],
    ['?limit=many', 'limit'],
    ['?cursor=not-a-cursor', 'cursor'],
  ])('refuses %s naming %s', async (query, field) => {
    test = await createTestApp(getStore());
    const response = await list(query);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'validation', field } });
  });

  it('replays a rejected request after the secret is fixed: the call appears and the row is updated', async () => {
    test = await createTestApp(getStore());
    const body = JSON.stringify(start('late'));
    const first = await test.hub.intake.receive(test.connection, {
      ...test.request(start('late')),
      headers: { 'content-type': 'application/json', [FAKE_SIGNATURE_HEADER]: signFakeBody(body, 'new-secret') },
    });
    expect(first.status).toBe(401);
    await test.app.inject({
      method: 'PATCH',
      url: `/api/v1/connections/${test.connection.id}`,
      headers: await test.auth(test.admin),
      payload: { settings: { secret: 'new-secret' } },
    });

    const response = await replay(first.webhookId);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      outcome: { status: 200, body: expect.any(String) },
      webhook: expect.objectContaining({ id: first.webhookId, status: 'processed', attempts: 2, error: null }),
    });
    const calls = (await test.hub.store.calls.list({})).items;
    expect(calls.map((call) => call.external_id)).toEqual(['late']);
    expect(response.json().webhook.callId).toBe(calls[0]?.id);
  });

  it.each([
    ['999999', 404, 'not_found'],
    ['abc', 400, 'validation'],
  ])('answers a replay of webhook %s with %i', async (id, status, code) => {
    test = await createTestApp(getStore());
    const response = await replay(id);
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ error: { code } });
  });
});
