import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../../testing/databases.js';
import { createTestApp, type TestApp } from '../../testing/test-app.js';

describeEachDatabase('call routes', (getStore) => {
  let test: TestApp;
  afterEach(async () => test?.app.close());

  const get = async (url: string, user = test.anna) =>
    test.app.inject({ method: 'GET', url, headers: await test.auth(user) });

  /** Anna's answered and recorded call, then Boris's missed call. */
  async function seedCalls(t: TestApp) {
    const anna = { direction: 'in', from: '+74951234567', to: '101', callId: 'a1' };
    await t.post({ ...anna, type: 'start' });
    await t.post({ ...anna, type: 'answer' });
    await t.post({ ...anna, type: 'end', disposition: 'answered', duration: 42 });
    await t.post({
      ...anna,
      type: 'record',
      disposition: 'answered',
      duration: 42,
      recording: 'https://pbx.example/a1.wav',
    });
    const boris = { direction: 'in', from: '89161234567', to: '102', callId: 'b1' };
    await t.post({ ...boris, type: 'start' });
    await t.post({ ...boris, type: 'end', disposition: 'no_answer' });
    const calls = (await t.hub.store.calls.list({})).items;
    const byExternal = (id: string) => calls.find((call) => call.external_id === id)!;
    return { annaCall: byExternal('a1'), borisCall: byExternal('b1') };
  }

  it('lists every call for an admin and only their own for an agent, newest first', async () => {
    test = await createTestApp(getStore());
    const { annaCall, borisCall } = await seedCalls(test);

    const all = await get('/api/v1/calls', test.admin);
    expect(all.statusCode).toBe(200);
    expect(all.json().items.map((c: { id: string }) => c.id)).toEqual([borisCall.id, annaCall.id]);
    expect(all.json().items[1]).toMatchObject({ ownerId: test.anna.id, owner: { name: 'Anna' }, hasRecording: true });

    const own = await get('/api/v1/calls');
    expect(own.json().items.map((c: { id: string }) => c.id)).toEqual([annaCall.id]);
    expect((await get(`/api/v1/calls?userId=${test.boris.id}`)).statusCode).toBe(403);
    expect((await get(`/api/v1/calls?userId=${test.boris.id}`, test.admin)).json().items).toHaveLength(1);
  });

  it('filters by status, missed, phone in any spelling, and time, and pages with a cursor', async () => {
    test = await createTestApp(getStore());
    const { annaCall, borisCall } = await seedCalls(test);
    const ids = async (query: string) =>
      (await get(`/api/v1/calls?${query}`, test.admin)).json().items.map((c: { id: string }) => c.id);

    expect(await ids('missed=true')).toEqual([borisCall.id]);
    expect(await ids('missed=false&direction=in')).toEqual([annaCall.id]);
    expect(await ids('phone=%2B7%20916%20123-45-67')).toEqual([borisCall.id]);
    expect(await ids('phone=8%20(495)%20123-45-67')).toEqual([annaCall.id]);
    expect(await ids('status=ringing')).toEqual([]);
    expect(await ids('since=2100-01-01')).toEqual([]);
    expect(await ids('until=2100-01-01T00:00:00Z&limit=5')).toHaveLength(2);

    const first = (await get('/api/v1/calls?limit=1', test.admin)).json();
    expect(first.items.map((c: { id: string }) => c.id)).toEqual([borisCall.id]);
    const second = (await get(`/api/v1/calls?limit=1&cursor=${first.nextCursor}`, test.admin)).json();
    expect(second).toMatchObject({ items: [{ id: annaCall.id }], nextCursor: null });
  });

  it.each([
    ['direction=sideways', 'direction'],
    ['status=lost', 'status'],
    ['since=yesterday', 'since'],
    ['until=2024-13-45', 'until'],
    ['missed=maybe', 'missed'],
    ['limit=0', 'limit'],
    ['cursor=garbage', 'cursor'],
  ])('refuses %s naming the field', async (query, field) => {
    test = await createTestApp(getStore());
    const response = await get(`/api/v1/calls?${query}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'validation', field });
  });

  it('shows details with legs and timeline, and hides calls an agent took no part in', async () => {
    test = await createTestApp(getStore());
    const { annaCall, borisCall } = await seedCalls(test);
    const details = await get(`/api/v1/calls/${annaCall.id}`);
    expect(details.statusCode).toBe(200);
    expect(details.json()).toMatchObject({ id: annaCall.id, legs: [{ extension: '101', userId: test.anna.id }] });
    expect(details.json().timeline.length).toBeGreaterThan(0);

    const hidden = await get(`/api/v1/calls/${borisCall.id}`);
    const missing = await get('/api/v1/calls/no-such-call');
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().error.message).toBe(missing.json().error.message.replace('no-such-call', borisCall.id));
    expect((await get(`/api/v1/calls/${borisCall.id}`, test.admin)).statusCode).toBe(200);
  });

  it('redirects to the recording, answers JSON when asked, and explains when there is none', async () => {
    test = await createTestApp(getStore());
    const { annaCall, borisCall } = await seedCalls(test);
    const redirect = await get(`/api/v1/calls/${annaCall.id}/recording`);
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe('https://pbx.example/a1.wav');
    expect((await get(`/api/v1/calls/${annaCall.id}/recording?format=json`)).json()).toEqual({
      url: 'https://pbx.example/a1.wav',
    });

    const none = await get(`/api/v1/calls/${borisCall.id}/recording?format=json`, test.admin);
    expect(none.statusCode).toBe(404);
    expect(none.json().error.message).toMatch(/no recording/);
    // Boris's call is not Anna's to hear.
    expect((await get(`/api/v1/calls/${borisCall.id}/recording`)).statusCode).toBe(404);
  });

  it('places a click-to-call for the current user and passes refusals on', async () => {
    test = await createTestApp(getStore());
    const post = async (payload: object, user = test.anna) =>
      test.app.inject({ method: 'POST', url: '/api/v1/calls', payload, headers: await test.auth(user) });

    const placed = await post({ to: '8 916 123-45-67' });
    expect(placed.statusCode).toBe(202);
    expect(placed.json()).toEqual({ originationId: expect.any(String), status: 'accepted' });
    expect(await test.hub.store.originations.get(placed.json().originationId)).toMatchObject({
      user_id: test.anna.id,
      src_phone: '101',
      dst_phone: '+79161234567',
    });

    expect((await post({ to: '+79161234567' }, test.admin)).json().error.code).toBe('no_extension');
    expect((await post({ to: '+79161234567' }, test.admin)).statusCode).toBe(422);
    expect((await post({})).json().error).toMatchObject({ code: 'validation', field: 'to' });
    expect((await post({ to: '+79161234567', connectionId: 5 })).json().error.field).toBe('connectionId');
    // The fake PBX refuses extensions it does not list.
    await test.hub.store.connections.setBinding({
      connection_id: test.connection.id,
      extension: '555',
      user_id: test.boris.id,
    });
    await test.hub.store.connections.removeBinding(test.connection.id, '102');
    expect((await post({ to: '+79161234567' }, test.boris)).statusCode).toBe(502);
  });

  it('counts the current user’s missed calls', async () => {
    test = await createTestApp(getStore());
    await seedCalls(test);
    expect((await get('/api/v1/calls/missed-count', test.boris)).json()).toEqual({ count: 1 });
    expect((await get('/api/v1/calls/missed-count')).json()).toEqual({ count: 0 });
    expect((await get('/api/v1/calls/missed-count?since=2100-01-01', test.boris)).json()).toEqual({ count: 0 });
    expect((await get('/api/v1/calls/missed-count?since=soon')).statusCode).toBe(400);
  });

  it('sums today: live calls, per agent and per hour', async () => {
    test = await createTestApp(getStore());
    await seedCalls(test);
    await test.post({ type: 'start', direction: 'in', from: '+74950000000', to: '101', callId: 'live' });
    const stats = (await get('/api/v1/stats/today')).json();
    expect(stats.live).toBe(1);
    expect(stats.perAgent).toEqual([
      { userId: test.anna.id, name: 'Anna', answered: 1, missed: 0, talkSeconds: 42 },
      { userId: test.boris.id, name: 'Boris', answered: 0, missed: 1, talkSeconds: 0 },
    ]);
    expect(stats.perHour).toHaveLength(24);
    const total = (key: 'in' | 'out' | 'missed') =>
      stats.perHour.reduce((sum: number, hour: Record<string, number>) => sum + hour[key]!, 0);
    expect([total('in'), total('out'), total('missed')]).toEqual([3, 0, 1]);
    expect(stats.perHour.at(-1).hour).toMatch(/:00:00\.000Z$/);
  });

  it.each([
    ['GET', '/api/v1/calls'],
    ['GET', '/api/v1/calls/x'],
    ['GET', '/api/v1/calls/x/recording'],
    ['POST', '/api/v1/calls'],
    ['GET', '/api/v1/calls/missed-count'],
    ['GET', '/api/v1/originations/x'],
    ['GET', '/api/v1/stats/today'],
    ['GET', '/api/v1/events'],
  ] as const)('refuses anonymous %s %s with 401', async (method, url) => {
    test = await createTestApp(getStore());
    const response = await test.app.inject({ method, url });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('unauthorized');
  });
});
