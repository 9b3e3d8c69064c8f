/**
 * Zadarma end to end: the real hub listening on a port, a Zadarma connection made through the API and
 * pointed at the emulator (which registers the webhook URL after the zd_echo check, as Zadarma does),
 * every scripted scenario (in order, duplicated, shuffled and duplicated) pushed to the connection's
 * webhook URL, and the result read back through the REST API and the agents' SSE streams.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startZadarmaEmulator, type ZadarmaEmulator } from '../src/emulators/zadarma/zadarma-emulator.js';
import type { ZadarmaScenarioName } from '../src/emulators/zadarma/zadarma-scenarios.js';
import { describeEachDatabase } from '../src/testing/databases.js';
import { startRealHub, type RealHub } from '../src/testing/real-hub.js';
import { openEventStream } from '../src/testing/sse-client.js';

const KEY = 'integration-key';
const SECRET = 'integration-secret';
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

const EXPECTED: Record<Exclude<ZadarmaScenarioName, 'callback'>, Expected> = {
  'incoming-answered': {
    direction: 'in',
    owner: 'anna',
    disposition: 'answered',
    missed: false,
    duration: 42,
    legs: ['100'],
  },
  'incoming-missed': {
    direction: 'in',
    owner: 'anna',
    disposition: 'cancel',
    missed: true,
    duration: 0,
    legs: ['100'],
  },
  'group-ringing': {
    direction: 'in',
    owner: 'boris',
    disposition: 'answered',
    missed: false,
    duration: 61,
    legs: ['100', '101'],
  },
  outgoing: { direction: 'out', owner: 'anna', disposition: 'answered', missed: false, duration: 30, legs: ['100'] },
  'outgoing-busy': { direction: 'out', owner: 'anna', disposition: 'busy', missed: false, duration: 0, legs: ['100'] },
  recorded: {
    direction: 'in',
    owner: 'anna',
    disposition: 'answered',
    missed: false,
    duration: 42,
    legs: ['100'],
    recorded: true,
  },
};

const DELIVERIES = {
  'in order': {},
  duplicated: { duplicates: true },
  'shuffled and duplicated': { shuffle: true, duplicates: true, seed: 11 },
} as const;

describeEachDatabase('Zadarma through the real server', (getStore) => {
  let real: RealHub;
  let emulator: ZadarmaEmulator;
  let connectionId: string;
  let webhookUrl: string;

  beforeEach(async () => {
    real = await startRealHub(getStore());
    emulator = await startZadarmaEmulator({
      apiKey: KEY,
      apiSecret: SECRET,
      staff: [
        { extension: '100', name: 'Anna Smirnova' },
        { extension: '101', name: 'Boris Ivanov' },
      ],
    });
    const saved = await real.connect(
      'zadarma',
      { apiKey: KEY, apiSecret: SECRET, apiUrl: emulator.apiUrl },
      { anna: '100', boris: '101' },
    );
    connectionId = saved.id;
    webhookUrl = saved.webhookUrl;
    // Saving registered the URL: the emulator checked it with zd_echo through the hub, then took it.
    expect(saved.webhookUpdate).toEqual({ ok: true });
  });

  afterEach(async () => {
    await emulator?.close();
    await real?.close();
  });

  it('registers the webhook URL with Zadarma, tests the connection and lists the extensions', async () => {
    expect(emulator.hubUrl).toBe(webhookUrl);
    expect(Object.values(emulator.notifications)).toEqual(Array(6).fill('true'));
    const test = await real.json('admin', `/api/v1/connections/${connectionId}/test`, { method: 'POST', body: '{}' });
    expect(test).toEqual({ success: true });
    expect(await real.json('admin', `/api/v1/connections/${connectionId}/members`)).toEqual([
      { id: '100', label: 'Anna Smirnova (100)' },
      { id: '101', label: 'Boris Ivanov (101)' },
    ]);
  });

  for (const [scenario, expected] of Object.entries(EXPECTED)) {
    for (const [delivery, options] of Object.entries(DELIVERIES)) {
      it(`${scenario}, ${delivery}`, async () => {
        const played = await emulator.playScenario({ name: scenario as ZadarmaScenarioName, client: CLIENT, options });
        expect(played.notifications.map((n) => n.status)).toEqual(played.notifications.map(() => 200));
        const call = await real.callByExternalId(played.pbxCallId);
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
        const legs = call.legs.map((leg) => leg.extension);
        expect(delivery.startsWith('shuffled') ? legs.sort() : legs).toEqual(expected.legs);
      });
    }
  }

  it('tells both agents of a group call and gives it to the one who answered', async () => {
    const anna = await openEventStream(`${real.base}/api/v1/events`, real.tokens.anna);
    const boris = await openEventStream(`${real.base}/api/v1/events`, real.tokens.boris);
    try {
      const played = await emulator.playScenario({ name: 'group-ringing', client: CLIENT });
      const call = await real.callByExternalId(played.pbxCallId);
      await anna.next('call.ended');
      await boris.next('call.ended');
      for (const stream of [anna, boris]) {
        expect(stream.types().slice(0, 2)).toEqual(['call.ringing', 'call.answered']);
        expect(stream.events.every((event) => (event.data as { call: { id: string } }).call.id === call.id)).toBe(true);
      }
      const answered = boris.events.find((event) => event.type === 'call.answered')?.data as {
        call: { ownerId: string };
      };
      expect(answered.call.ownerId).toBe(real.ids.boris);
    } finally {
      anna.close();
      boris.close();
    }
  });

  it("names a known caller on the phone and, when set, sends them to their owner's extension", async () => {
    await real.json('admin', '/api/v1/contacts', {
      method: 'POST',
      body: JSON.stringify({ name: 'Acme, Ivan Petrov', phones: ['+7 916 123-45-67'], ownerId: real.ids.boris }),
    });
    const named = await emulator.playScenario({ name: 'incoming-answered', client: CLIENT });
    expect(JSON.parse(named.notifications[0]?.body ?? '')).toEqual({ caller_name: 'Acme, Ivan Petrov' });
    expect((await real.callByExternalId(named.pbxCallId)).ownerId).toBe(real.ids.anna);

    await real.json('admin', `/api/v1/connections/${connectionId}`, {
      method: 'PATCH',
      body: JSON.stringify({ settings: { routeToOwner: true } }),
    });
    const routed = await emulator.playScenario({ name: 'incoming-answered', client: CLIENT });
    expect(JSON.parse(routed.notifications[0]?.body ?? '')).toEqual({
      caller_name: 'Acme, Ivan Petrov',
      redirect: '101',
    });
    expect(routed.routedTo).toBe('101');
    const call = await real.callByExternalId(routed.pbxCallId);
    expect(call).toMatchObject({
      ownerId: real.ids.boris,
      disposition: 'answered',
      contact: { name: 'Acme, Ivan Petrov' },
    });
    expect(call.legs.map((leg) => leg.extension)).toEqual(['101']);
  });

  it('plays a recording through the hub, with a link that lasts its lifetime', async () => {
    const played = await emulator.playScenario({ name: 'recorded', client: CLIENT });
    const call = await real.callByExternalId(played.pbxCallId);
    const redirect = await real.api('anna', `/api/v1/calls/${call.id}/recording`);
    expect(redirect.status).toBe(302);
    const link = redirect.headers.get('location') ?? '';
    expect(link.startsWith(`${emulator.url}/v1/pbx/record/download/`)).toBe(true);
    expect(emulator.requests.at(-1)).toMatchObject({
      path: '/v1/pbx/record/request/',
      params: { call_id: played.recordings[0], lifetime: '1800' },
    });
    for (let play = 0; play < 2; play++) {
      const audio = await fetch(link);
      expect(audio.headers.get('content-type')).toBe('audio/wav');
      expect(
        Buffer.from(await audio.arrayBuffer())
          .subarray(0, 4)
          .toString(),
      ).toBe('RIFF');
    }
  });

  it('says why a call without a recording cannot be played', async () => {
    const played = await emulator.playScenario({ name: 'incoming-answered', client: CLIENT });
    const call = await real.callByExternalId(played.pbxCallId);
    const response = await real.api('anna', `/api/v1/calls/${call.id}/recording`);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/recording/i);
  });

  it('click-to-call: Zadarma gives no id, so the call is linked by extension, number and time', async () => {
    const started = await real.json<{ originationId: string; status: string }>('anna', '/api/v1/calls', {
      method: 'POST',
      body: JSON.stringify({ to: '+7 916 123-45-67' }),
    });
    expect(started.status).toBe('accepted');
    await emulator.idle();
    expect(emulator.requests.find((r) => r.path === '/v1/request/callback/')?.params).toMatchObject({
      from: '100',
      to: CLIENT,
    });
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
      error: null,
    });
  });

  it('refuses a click-to-call Zadarma rejects, with its reason', async () => {
    await real.json('admin', `/api/v1/connections/${connectionId}/bindings`, {
      method: 'PUT',
      body: JSON.stringify([{ extension: '109', userId: real.ids.boris }]),
    });
    const response = await real.api('boris', '/api/v1/calls', { method: 'POST', body: JSON.stringify({ to: CLIENT }) });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(await response.json())).toMatch(/Wrong parameter from/);
  });

  it('refuses a forged notification at the webhook URL', async () => {
    const body = new URLSearchParams({
      event: 'NOTIFY_START',
      call_start: '2026-01-15 13:00:00',
      pbx_call_id: 'in_forged',
      caller_id: CLIENT,
      called_did: '74951234567',
    });
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', signature: 'Zm9yZ2Vk' },
      body: body.toString(),
    });
    expect(response.status).toBe(401);
    expect(await real.calls('admin')).toEqual([]);
  });
});
