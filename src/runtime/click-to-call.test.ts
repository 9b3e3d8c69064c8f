import { expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import { createTestHub } from '../testing/test-hub.js';
import { originate } from './click-to-call.js';
import { HubError } from './errors.js';

describeEachDatabase('click-to-call', (getStore) => {
  it('rings the agent extension first with the normalised client number, and links the call that follows', async () => {
    const { hub, anna, connection, post } = await createTestHub(getStore());
    const origination = await originate(hub, anna, '8 (916) 123-45-67');

    expect(origination).toMatchObject({ src_phone: '101', dst_phone: '+79161234567', status: 'accepted' });
    const placed = JSON.parse((await hub.store.connections.getItem(connection.id, 'lastCall')) ?? '{}');
    expect(placed).toMatchObject({ srcPhone: '101', dstPhone: '+79161234567' });

    await post({ type: 'start', direction: 'out', from: '101', to: '+79161234567', callId: 'o1' });
    const [call] = (await hub.store.calls.list({})).items;
    expect(call?.origination_id).toBe(origination.id);
    expect(await hub.store.originations.get(origination.id)).toMatchObject({ status: 'linked', call_id: call!.id });
  });

  it('refuses a user without an extension, saying what to do', async () => {
    const { hub, admin } = await createTestHub(getStore());
    const attempt = originate(hub, admin, '+79161234567');
    await expect(attempt).rejects.toBeInstanceOf(HubError);
    await expect(attempt).rejects.toMatchObject({ code: 'no_extension', message: expect.stringMatching(/Configure/) });
  });

  it('records a refusal from the PBX on the request and passes the reason on', async () => {
    const { hub, boris, connection } = await createTestHub(getStore());
    // The fake PBX refuses extensions it does not list as members.
    await hub.store.connections.setBinding({ connection_id: connection.id, extension: '555', user_id: boris.id });
    await hub.store.connections.removeBinding(connection.id, '102');
    await expect(originate(hub, boris, '+79161234567')).rejects.toMatchObject({ code: 'provider_error' });
    const [failed] = (await hub.store.db.selectFrom('originations').selectAll().execute()) as Array<{
      status: string;
      error: string | null;
    }>;
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringContaining('555') });
  });
});
