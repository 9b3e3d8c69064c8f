import { expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import { createTestHub } from '../testing/test-hub.js';
import type { DeliveredEvent } from './event-bus.js';

const CLIENT = '+74951234567';

describeEachDatabase('webhook intake', (getStore) => {
  async function setup() {
    const test = await createTestHub(getStore());
    const received: Record<string, DeliveredEvent[]> = {};
    for (const user of [test.admin, test.anna, test.boris]) {
      received[user.name] = [];
      test.hub.bus.subscribe(user.id, (event) => received[user.name]?.push(event));
    }
    const types = (name: string) => received[name]?.map((event) => event.type);
    return { ...test, received, types };
  }

  it('turns group ringing into one call owned by the agent who answered', async () => {
    const { post, hub, anna, boris, types } = await setup();
    const call = { direction: 'in', from: '8 (495) 123-45-67', callId: 'g1' };
    await post({ ...call, type: 'start', to: '101' });
    await post({ ...call, type: 'start', to: '102' });
    await post({ ...call, type: 'answer', to: '102' });
    await post({ ...call, type: 'end', to: '101', disposition: 'cancel' });
    await post({ ...call, type: 'end', to: '102', disposition: 'answered' });

    const page = await hub.store.calls.list({});
    expect(page.items).toHaveLength(1);
    const details = await hub.store.calls.get(page.items[0]!.id);
    expect(details?.call).toMatchObject({
      owner_id: boris.id,
      status: 'ended',
      missed: 0,
      disposition: 'answered',
      client_number: CLIENT,
      external_id: 'g1',
    });
    const outcomes = Object.fromEntries(details!.legs.map((leg) => [leg.extension, [leg.user_id, leg.outcome]]));
    expect(outcomes).toEqual({ '101': [anna.id, 'answered_elsewhere'], '102': [boris.id, 'answered'] });
    expect(types('Anna')).toEqual(['call.ringing', 'call.answered', 'call.ended']);
    expect(types('Boris')).toEqual(['call.ringing', 'call.answered', 'call.ended']);
    expect(types('Admin')).toEqual([]);
  });

  it('reports a missed call to the rung agent and to admins', async () => {
    const { post, hub, types, received } = await setup();
    await post({ type: 'start', direction: 'in', from: CLIENT, to: '101', callId: 'm1' });
    await post({ type: 'end', direction: 'in', from: CLIENT, to: '101', callId: 'm1', disposition: 'no_answer' });

    const [call] = (await hub.store.calls.list({ missed: true })).items;
    expect(call).toMatchObject({ missed: 1, disposition: 'no_answer' });
    expect(types('Anna')).toEqual(['call.ringing', 'call.ended', 'call.missed']);
    expect(types('Admin')).toEqual(['call.missed']);
    expect(received.Admin?.[0]?.payload).toMatchObject({ call: { id: call!.id, missed: true, clientNumber: CLIENT } });
  });

  it('stores the raw request even when the module throws, and answers 500 with a short JSON error', async () => {
    const { hub, connection, request } = await setup();
    // Settings without the secret make the fake connector throw a ConnectorError while parsing.
    const broken = await hub.store.connections.update(connection.id, { settings: '{}', updated_at: '2026-01-01' });
    const answer = await hub.intake.receive(
      broken!,
      request({ type: 'start', direction: 'in', from: CLIENT, to: '101' }),
    );

    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    const row = await hub.store.webhooks.get(answer.webhookId);
    expect(row).toMatchObject({
      status: 'failed',
      body: request({ type: 'start', direction: 'in', from: CLIENT, to: '101' }).body,
    });
    expect(row?.error).toBeTruthy();
    expect((await hub.store.calls.list({})).items).toHaveLength(0);
  });

  it('refuses a forged request: 401, stored as rejected, no call', async () => {
    const { hub, connection, request } = await setup();
    const forged = request({ type: 'start', direction: 'in', from: CLIENT, to: '101' });
    forged.body = forged.body.replace('101', '102');
    const answer = await hub.intake.receive(connection, forged);

    expect(answer.status).toBe(401);
    expect(await hub.store.webhooks.get(answer.webhookId)).toMatchObject({ status: 'rejected', response_status: 401 });
    expect((await hub.store.calls.list({})).items).toHaveLength(0);
  });

  it('answers a byte-identical retry as before and applies it once', async () => {
    const { post, hub, types } = await setup();
    const start = { type: 'start', direction: 'in', from: CLIENT, to: '101', callId: 'd1' };
    const first = await post(start);
    const retry = await post(start);

    expect(retry).toMatchObject({ status: first.status, body: first.body });
    expect(retry.webhookId).not.toBe(first.webhookId);
    expect(await hub.store.webhooks.get(retry.webhookId)).toMatchObject({ status: 'duplicate' });
    expect(types('Anna')).toEqual(['call.ringing']);
    const [call] = (await hub.store.calls.list({})).items;
    const timeline = (await hub.store.calls.get(call!.id))!.timeline.map((entry) => entry.kind);
    expect(timeline.filter((kind) => kind.startsWith('ignored'))).toEqual([]);
  });

  it('replays a stored webhook without applying its event twice', async () => {
    const { post, hub, types } = await setup();
    const first = await post({ type: 'start', direction: 'in', from: CLIENT, to: '101', callId: 'r1' });
    const replayed = await hub.intake.replay(first.webhookId);

    expect(replayed.status).toBe(200);
    expect(await hub.store.webhooks.get(first.webhookId)).toMatchObject({ status: 'processed', attempts: 2 });
    expect(types('Anna')).toEqual(['call.ringing']);
    expect((await hub.store.calls.list({})).items).toHaveLength(1);
  });

  it('handles rows a crash left pending when it starts', async () => {
    const { hub, connection, request } = await setup();
    const raw = request({ type: 'start', direction: 'in', from: CLIENT, to: '102', callId: 'c1' });
    const { id } = await hub.store.webhooks.insertPending({
      connection_id: connection.id,
      method: raw.method,
      path: raw.path,
      query: '{}',
      headers: JSON.stringify(raw.headers),
      body: raw.body,
      received_at: new Date().toISOString(),
      fingerprint: 'f',
    });

    expect(await hub.intake.recoverPending()).toBe(1);
    expect(await hub.store.webhooks.get(id)).toMatchObject({ status: 'processed' });
    const [call] = (await hub.store.calls.list({})).items;
    expect(call).toMatchObject({ external_id: 'c1', status: 'ringing' });
    expect(await hub.intake.recoverPending()).toBe(0);
  });

  it('does not apply twice a row a crash left pending after its call was saved, on restart or on a retry', async () => {
    const { post, hub, types } = await setup();
    const unfinish = (id: number) =>
      hub.store.db.updateTable('webhooks').set({ status: 'pending' }).where('id', '=', id).execute();
    const start = { type: 'start', direction: 'in', from: CLIENT, to: '101', callId: 'k1' };
    const answer = { ...start, type: 'answer' };
    await unfinish((await post(start)).webhookId);
    expect(await hub.intake.recoverPending()).toBe(1);

    const first = await post(answer);
    await unfinish(first.webhookId);
    const retry = await post(answer);
    expect(retry).toMatchObject({ status: 200 });
    expect(await hub.store.webhooks.get(first.webhookId)).toMatchObject({ status: 'processed', attempts: 2 });
    expect(await hub.store.webhooks.get(retry.webhookId)).toMatchObject({ status: 'duplicate' });
    expect(await hub.intake.recoverPending()).toBe(0);

    const [call] = (await hub.store.calls.list({})).items;
    expect(call).toMatchObject({ external_id: 'k1', status: 'talking' });
    expect(await hub.store.calls.listInputs(call!.id)).toHaveLength(2);
    expect(types('Anna')).toEqual(['call.ringing', 'call.answered']);
  });
});

describeEachDatabase('unknown callers and contacts', (getStore) => {
  it.each([
    ['on_answer', 'answer', 1],
    ['on_answer', 'ring only', 0],
    ['on_ring', 'ring only', 1],
    ['never', 'answer', 0],
  ] as const)('policy %s, call reaching %s → %i contacts', async (policy, stage, expected) => {
    const { post, hub, connection } = await createTestHub(getStore());
    await hub.store.connections.update(connection.id, { unknown_caller_policy: policy, updated_at: '2026-01-01' });
    await post({ type: 'start', direction: 'in', from: CLIENT, to: '101', callId: 'u1' });
    if (stage === 'answer') await post({ type: 'answer', direction: 'in', from: CLIENT, to: '101', callId: 'u1' });

    const contacts = await hub.store.contacts.findByNumber(CLIENT);
    expect(contacts).toHaveLength(expected);
    const [call] = (await hub.store.calls.list({})).items;
    expect(call?.contact_id ?? null).toBe(contacts[0]?.id ?? null);
  });

  it('never turns the company own numbers into contacts', async () => {
    const { post, hub, connection } = await createTestHub(getStore());
    await hub.store.connections.update(connection.id, {
      own_numbers: JSON.stringify([CLIENT]),
      updated_at: '2026-01-01',
    });
    await post({ type: 'answer', direction: 'in', from: CLIENT, to: '101', callId: 'o1' });
    expect(await hub.store.contacts.findByNumber(CLIENT)).toEqual([]);
  });

  it('finds an existing contact whatever spelling the PBX sends', async () => {
    const { post, hub } = await createTestHub(getStore());
    const contact = await hub.store.contacts.create({
      name: 'Ivan Petrov',
      company: 'Romashka',
      email: null,
      notes: null,
      owner_id: null,
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
      phones: [{ number: CLIENT, raw: '+7 495 123-45-67', label: 'work' }],
    });
    await post({ type: 'start', direction: 'in', from: '7 (495) 1234567', to: '101', callId: 'k1' });
    const [call] = (await hub.store.calls.list({})).items;
    expect(call?.contact_id).toBe(contact.id);
  });
});
