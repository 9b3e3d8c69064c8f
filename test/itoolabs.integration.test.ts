/**
 * ITooLabs (MegaFon & co.) end to end: the real hub listening on a port, a connection made through the API
 * and pointed at the emulator, every scripted scenario pushed to the connection's webhook URL (in order and
 * duplicated: the PBX's events carry no time, so a shuffled delivery cannot be put back in order), the
 * contact request answered from the hub's contacts, and the result read back through the REST API.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CallDetailsView } from '../src/runtime/call-view.js';
import { startItoolabsEmulator, type ItoolabsEmulator } from '../src/emulators/itoolabs/itoolabs-emulator.js';
import type { ItoolabsScenarioName } from '../src/emulators/itoolabs/itoolabs-scenarios.js';
import { describeEachDatabase } from '../src/testing/databases.js';
import { startRealHub, type RealHub } from '../src/testing/real-hub.js';

const KEY = 'integration-key';
const CRM_TOKEN = 'integration-crm-token';
const CLIENT = '79161234567';

interface Expected {
  direction: 'in' | 'out';
  owner: 'anna' | 'boris';
  disposition: string;
  missed: boolean;
  duration: number;
  legs: string[];
  recorded?: boolean;
}

const EXPECTED: Record<Exclude<ItoolabsScenarioName, 'callback'>, Expected> = {
  'incoming-answered': {
    direction: 'in',
    owner: 'anna',
    disposition: 'answered',
    missed: false,
    duration: 42,
    legs: ['701'],
  },
  'incoming-missed': {
    direction: 'in',
    owner: 'anna',
    disposition: 'no_answer',
    missed: true,
    duration: 0,
    legs: ['701'],
  },
  'group-ringing': {
    direction: 'in',
    owner: 'boris',
    disposition: 'answered',
    missed: false,
    duration: 61,
    legs: ['701', '702'],
  },
  outgoing: { direction: 'out', owner: 'anna', disposition: 'answered', missed: false, duration: 30, legs: ['701'] },
  transfer: {
    direction: 'in',
    owner: 'boris',
    disposition: 'answered',
    missed: false,
    duration: 92,
    legs: ['701', '702'],
  },
  recorded: {
    direction: 'in',
    owner: 'anna',
    disposition: 'answered',
    missed: false,
    duration: 42,
    legs: ['701'],
    recorded: true,
  },
};

const DELIVERIES = { 'in order': {}, duplicated: { duplicates: true } } as const;

describeEachDatabase('ITooLabs through the real server', (getStore) => {
  let real: RealHub;
  let emulator: ItoolabsEmulator;
  let connectionId: string;

  beforeEach(async () => {
    real = await startRealHub(getStore());
    emulator = await startItoolabsEmulator({
      apiKey: KEY,
      crmToken: CRM_TOKEN,
      staff: [
        { login: 'anna', name: 'Anna Smirnova', ext: '701' },
        { login: 'boris', name: 'Boris Ivanov', ext: '702' },
      ],
    });
    const saved = await real.connect(
      'itoolabs',
      { operator: 'custom', apiUrl: emulator.apiUrl, apiKey: KEY, crmToken: CRM_TOKEN },
      { anna: '701', boris: '702' },
    );
    connectionId = saved.id;
    // The CRM URL is pasted into the PBX cabinet: the protocol has no command to set it.
    emulator.configure({ hubUrl: saved.webhookUrl });
  });

  afterEach(async () => {
    await emulator?.close();
    await real?.close();
  });

  it('tests the connection and lists the users by extension', async () => {
    const test = await real.json('admin', `/api/v1/connections/${connectionId}/test`, { method: 'POST', body: '{}' });
    expect(test).toEqual({ success: true });
    expect(await real.json('admin', `/api/v1/connections/${connectionId}/members`)).toEqual([
      { id: '701', label: 'Anna Smirnova (anna)' },
      { id: '702', label: 'Boris Ivanov (boris)' },
    ]);
  });

  for (const [scenario, expected] of Object.entries(EXPECTED)) {
    for (const [delivery, options] of Object.entries(DELIVERIES)) {
      it(`${scenario}, ${delivery}`, async () => {
        const played = await emulator.playScenario({ name: scenario as ItoolabsScenarioName, client: CLIENT, options });
        expect(played.pushes.map((p) => p.status)).toEqual(played.pushes.map(() => 200));
        const call = await real.callByExternalId(played.callId);
        expect(call).toMatchObject({
          disposition: expected.disposition,
          missed: expected.missed,
          duration: expected.duration,
          hasRecording: expected.recorded === true,
          status: 'ended',
          direction: expected.direction,
          clientNumber: `+${CLIENT}`,
        });
        expect(call.ownerId).toBe(real.ids[expected.owner]);
        expect(call.legs.map((leg) => leg.extension)).toEqual(expected.legs);
      });
    }
  }

  it("answers the PBX's contact request from the hub's contacts and routes the caller to the owner", async () => {
    await real.json('admin', '/api/v1/contacts', {
      method: 'POST',
      body: JSON.stringify({ name: 'Acme, Ivan Petrov', phones: ['+7 916 123-45-67'], ownerId: real.ids.boris }),
    });
    const played = await emulator.playScenario({ name: 'incoming-answered', client: CLIENT });
    const contact = played.pushes.find((p) => p.fields.cmd === 'contact');
    expect(JSON.parse(contact?.body ?? '')).toEqual({ contact_name: 'Acme, Ivan Petrov', responsible: 'boris' });
    expect(played.routedTo).toBe('boris');
    const call = await real.callByExternalId(played.callId);
    expect(call).toMatchObject({
      ownerId: real.ids.boris,
      disposition: 'answered',
      contact: { name: 'Acme, Ivan Petrov' },
    });
    expect(call.legs.map((leg) => leg.extension)).toEqual(['702']);
  });

  it('answers {} for a caller the hub does not know, and the call rings as the PBX planned', async () => {
    const played = await emulator.playScenario({ name: 'incoming-answered', client: '79990001122' });
    expect(played.pushes.find((p) => p.fields.cmd === 'contact')?.body).toBe('{}');
    expect(played.routedTo).toBeUndefined();
    expect((await real.callByExternalId(played.callId)).ownerId).toBe(real.ids.anna);
  });

  it("keeps the client's rating with the call's record", async () => {
    const played = await emulator.playScenario({ name: 'incoming-answered', client: CLIENT, rating: 5 });
    const call: CallDetailsView = await real.callByExternalId(played.callId);
    const records = call.timeline.filter((entry) => entry.kind === 'record');
    expect(records.at(-1)?.detail).toMatchObject({ record: true, details: { rating: 5 }, disposition: 'answered' });
    expect(call).toMatchObject({ duration: 42, hasRecording: false });
  });

  it('plays a recording through the hub', async () => {
    const played = await emulator.playScenario({ name: 'recorded', client: CLIENT });
    const call = await real.callByExternalId(played.callId);
    const redirect = await real.api('anna', `/api/v1/calls/${call.id}/recording`);
    expect(redirect.status).toBe(302);
    const audio = await fetch(redirect.headers.get('location') ?? '');
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    expect(
      Buffer.from(await audio.arrayBuffer())
        .subarray(0, 4)
        .toString(),
    ).toBe('RIFF');
  });

  for (const apiGeneration of ['legacy', 'rest'] as const) {
    it(`click-to-call through the ${apiGeneration} API rings the agent, then the client, and links the call`, async () => {
      await real.json('admin', `/api/v1/connections/${connectionId}`, {
        method: 'PATCH',
        body: JSON.stringify({ settings: { apiGeneration } }),
      });
      const started = await real.json<{ originationId: string; status: string }>('anna', '/api/v1/calls', {
        method: 'POST',
        body: JSON.stringify({ to: '+7 916 123-45-67' }),
      });
      expect(started.status).toBe('accepted');
      await emulator.idle();
      expect(
        emulator.requests.find((r) => r.command === (apiGeneration === 'legacy' ? 'makeCall' : 'POST /makecall')),
      ).toMatchObject({ api: apiGeneration, params: { user: 'anna', phone: CLIENT }, status: 200 });
      const call = (await real.calls('anna')).find((c) => c.originationId === started.originationId);
      expect(call).toMatchObject({
        direction: 'out',
        ownerId: real.ids.anna,
        clientNumber: `+${CLIENT}`,
        status: 'ended',
        disposition: 'answered',
        duration: 40,
      });
      expect(await real.json('anna', `/api/v1/originations/${started.originationId}`)).toMatchObject({
        status: 'linked',
        callId: call?.id,
      });
    });
  }

  it('refuses a push with a wrong CRM token at the webhook URL', async () => {
    const saved = await real.json<{ webhookUrl: string }>('admin', `/api/v1/connections/${connectionId}`);
    const response = await fetch(saved.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        cmd: 'event',
        type: 'INCOMING',
        phone: CLIENT,
        ext: '701',
        callid: 'x',
        crm_token: 'guess',
      }).toString(),
    });
    expect(response.status).toBe(401);
    expect(await real.calls('admin')).toEqual([]);
  });
});
