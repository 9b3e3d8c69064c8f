/**
 * Asterisk in ARI mode end to end: the real hub keeps the ARI events WebSocket open to the emulator (a
 * real HTTP and WebSocket server), the scripted calls are played over it, and the result is read back
 * through the REST API, including click-to-call by POST /ari/channels, a WebSocket dropped mid-call, a call
 * that began while it was down, and a stored recording played through the hub.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startAsteriskAriEmulator, type AsteriskAriEmulator } from '../src/emulators/asterisk/asterisk-ari-emulator.js';
import type { AsteriskScenarioName } from '../src/emulators/asterisk/asterisk-scenarios.js';
import type { CallDetailsView } from '../src/runtime/call-view.js';
import { describeEachDatabase } from '../src/testing/databases.js';
import { startRealHub, type Person, type RealHub } from '../src/testing/real-hub.js';
import { openEventStream } from '../src/testing/sse-client.js';

const CLIENT = '79161234567';
const ARI_PASSWORD = 'ari-password';

const EXPECTED: Partial<
  Record<
    AsteriskScenarioName,
    { owner: 'anna' | 'boris'; direction: string; disposition: string; duration: number; legs: string[][] }
  >
> = {
  'incoming-answered': {
    owner: 'anna',
    direction: 'in',
    disposition: 'answered',
    duration: 42,
    legs: [['101', 'answered']],
  },
  'incoming-missed': {
    owner: 'anna',
    direction: 'in',
    disposition: 'no_answer',
    duration: 0,
    legs: [['101', 'cancelled']],
  },
  'group-ringing': {
    owner: 'boris',
    direction: 'in',
    disposition: 'answered',
    duration: 61,
    legs: [
      ['101', 'answered_elsewhere'],
      ['102', 'answered'],
    ],
  },
  outgoing: { owner: 'anna', direction: 'out', disposition: 'answered', duration: 30, legs: [['101', 'answered']] },
  'blind-transfer': {
    owner: 'boris',
    direction: 'in',
    disposition: 'answered',
    duration: 87,
    legs: [
      ['101', 'transferred'],
      ['102', 'answered'],
    ],
  },
  'attended-transfer': {
    owner: 'boris',
    direction: 'in',
    disposition: 'answered',
    duration: 108,
    legs: [
      ['101', 'transferred'],
      ['102', 'answered'],
    ],
  },
};

describeEachDatabase('Asterisk (ARI) through the real server', (getStore) => {
  let real: RealHub;
  let emulator: AsteriskAriEmulator;
  let connectionId: string;
  const api: RealHub['api'] = (who, path, init) => real.api(who, path, init);
  const json = <T = Record<string, unknown>>(who: Person, path: string, init?: RequestInit) =>
    real.json<T>(who, path, init);
  const callOf = async (linkedid: string) => {
    const found = (await real.calls('admin')).find((call) => call.externalId === linkedid);
    return found ? json<CallDetailsView>('admin', `/api/v1/calls/${found.id}`) : undefined;
  };
  const source = async () =>
    (await json<{ eventSource: Record<string, unknown> }>('admin', `/api/v1/connections/${connectionId}`)).eventSource;

  beforeEach(async () => {
    emulator = await startAsteriskAriEmulator({
      users: { hub: ARI_PASSWORD },
      staff: [{ extension: '101' }, { extension: '102' }, { extension: '103', state: 'Unavailable' }],
      originate: { '102': 'busy' },
    });
    real = await startRealHub(getStore(), {
      eventSources: { syncMs: 200, backoffMs: 100, maxBackoffMs: 400, lockRetryMs: 200 },
    });
    connectionId = (
      await real.connect(
        'asterisk',
        { mode: 'ari', host: emulator.host, port: emulator.port, user: 'hub', secret: ARI_PASSWORD, ariApp: 'crm' },
        { anna: '101', boris: '102' },
      )
    ).id;
    await expect.poll(async () => (await source()).status, { timeout: 5000 }).toBe('connected');
  });

  afterEach(async () => {
    await real?.close();
    await emulator?.close();
  });

  it('tests the connection, lists the endpoints and subscribes to all channels of its application', async () => {
    expect(await json('admin', `/api/v1/connections/${connectionId}/test`, { method: 'POST', body: '{}' })).toEqual({
      success: true,
    });
    expect(await json('admin', `/api/v1/connections/${connectionId}/members`)).toEqual([
      { id: '101', label: 'Extension 101 (online: online)' },
      { id: '102', label: 'Extension 102 (online: online)' },
      { id: '103', label: 'Extension 103 (offline: offline)' },
    ]);
    expect(emulator.sockets()).toEqual([{ app: 'crm', subscribeAll: true }]);
  });

  for (const [scenario, expected] of Object.entries(EXPECTED)) {
    it(scenario, async () => {
      const played = await emulator.playScenario({ name: scenario as AsteriskScenarioName, client: CLIENT });
      await expect
        .poll(() => callOf(played.linkedid), { timeout: 5000 })
        .toMatchObject({
          status: 'ended',
          direction: expected.direction,
          disposition: expected.disposition,
          duration: expected.duration,
          ownerId: real.ids[expected.owner],
        });
      const call = (await callOf(played.linkedid))!;
      expect(call.legs.map((leg) => [leg.extension, leg.outcome])).toEqual(expected.legs);
    });
  }

  it('click-to-call creates the channel by POST /ari/channels and links the call; busy comes back in words', async () => {
    const started = await json('anna', '/api/v1/calls', { method: 'POST', body: JSON.stringify({ to: CLIENT }) });
    await emulator.idle();
    const request = emulator.requests.find((r) => r.method === 'POST' && r.path === '/ari/channels');
    expect(request?.query).toMatchObject({ endpoint: 'PJSIP/101', extension: `+${CLIENT}`, context: 'from-internal' });
    await expect
      .poll(async () => (await json('anna', `/api/v1/originations/${String(started.originationId)}`)).status, {
        timeout: 5000,
      })
      .toBe('linked');
    const busy = await json('boris', '/api/v1/calls', { method: 'POST', body: JSON.stringify({ to: CLIENT }) });
    await emulator.idle();
    await expect
      .poll(() => json('boris', `/api/v1/originations/${String(busy.originationId)}`), { timeout: 5000 })
      .toMatchObject({ status: 'failed', error: '102 is busy.' });
  });

  it('reconnects after the WebSocket drops in the middle of a call, ends the call and reports the gap', async () => {
    const played = await emulator.playScenario({ name: 'dropped-connection', client: CLIENT, refuseMs: 500 });
    await expect.poll(async () => (await source()).reconnects, { timeout: 8000 }).toBe(1);
    await expect
      .poll(() => callOf(played.linkedid), { timeout: 5000 })
      .toMatchObject({
        status: 'ended',
        disposition: 'answered',
        ownerId: real.ids.anna,
      });
    expect(emulator.connections).toBe(2);
    const inbox = await json<{ items: Array<{ path: string; body: string }> }>(
      'admin',
      `/api/v1/webhooks?connectionId=${connectionId}&limit=100`,
    );
    const notice = inbox.items.find((item) => item.path === '/ari/gap');
    expect(JSON.parse(notice!.body)).toMatchObject({ linkedid: played.linkedid });
  });

  it('plays a stored recording through the hub, never handing the ARI password to the browser', async () => {
    const played = await emulator.playScenario({ name: 'recorded', client: CLIENT });
    await expect
      .poll(() => callOf(played.linkedid), { timeout: 5000 })
      .toMatchObject({ status: 'ended', disposition: 'answered', duration: 42, hasRecording: true });
    const call = (await callOf(played.linkedid))!;
    const path = `/api/v1/calls/${call.id}/recording`;
    const secrets = [ARI_PASSWORD, Buffer.from(`hub:${ARI_PASSWORD}`).toString('base64')];
    const leaks = (response: Response, body: string) =>
      secrets.filter(
        (secret) =>
          body.includes(secret) ||
          JSON.stringify(Object.fromEntries(response.headers as unknown as Iterable<[string, string]>)).includes(
            secret,
          ),
      );

    const audio = await api('anna', path);
    const bytes = Buffer.from(await audio.arrayBuffer());
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    expect(audio.headers.get('accept-ranges')).toBe('bytes');
    expect(Number(audio.headers.get('content-length'))).toBe(bytes.length);
    expect(bytes.subarray(0, 4).toString()).toBe('RIFF');
    expect(leaks(audio, bytes.toString('latin1'))).toEqual([]);
    expect(emulator.requests).toContainEqual(
      expect.objectContaining({ method: 'GET', path: `/ari/recordings/stored/${played.recordings[0]}/file` }),
    );

    // A player seeking: the hub answers the range, though Asterisk serves only whole files.
    const part = await api('anna', path, { headers: { range: 'bytes=8-11' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 8-11/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).toString()).toBe('WAVE');
    const beyond = await api('anna', path, { headers: { range: `bytes=${bytes.length}-` } });
    expect(beyond.status).toBe(416);

    // The UI's "why can't it play" question gets the hub's own address, never the PBX's.
    const asked = await api('anna', `${path}?format=json`);
    const text = await asked.text();
    expect(JSON.parse(text)).toEqual({ url: path });
    expect(leaks(asked, text)).toEqual([]);
    // Another agent's call does not exist for boris.
    expect((await api('boris', path)).status).toBe(404);

    // MixMonitor files on a web server (the URL template) keep priority: a plain link again.
    await json('admin', `/api/v1/connections/${connectionId}`, {
      method: 'PATCH',
      body: JSON.stringify({ settings: { recordUrlTemplate: `${real.base}/monitor/{uniqueid}.wav` } }),
    });
    const redirect = await api('anna', path);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(`${real.base}/monitor/${played.linkedid}.wav`);
  });

  for (const [stage, until, status] of [
    ['ringing', 3, 'ringing'],
    ['talking', 10, 'talking'],
  ] as const) {
    it(`picks up a call that began while the WebSocket was down (${stage}), and ends it with the new one`, async () => {
      const anna = await openEventStream(`${real.base}/api/v1/events`, real.tokens.anna);
      try {
        emulator.drop(800);
        const played = await emulator.playScenario({ name: 'incoming-answered', client: CLIENT, until });
        await expect.poll(async () => (await source()).reconnects, { timeout: 8000 }).toBe(1);
        await expect
          .poll(() => callOf(played.linkedid), { timeout: 5000 })
          .toMatchObject({ status, direction: 'in', clientNumber: `+${CLIENT}`, ownerId: real.ids.anna });
        const call = (await callOf(played.linkedid))!;
        expect(call.legs.map((leg) => [leg.extension, leg.status])).toEqual([['101', status]]);
        await anna.next(status === 'ringing' ? 'call.ringing' : 'call.answered');
        // The Linkedid was asked of each channel (ARI's Channel has none), and the bridges of who talks with whom.
        const asked = emulator.requests.filter((request) => /^\/ari\/channels\/[^/]+\/variable$/.test(request.path));
        expect(asked.map((request) => request.query.variable)).toEqual(['CHANNEL(linkedid)', 'CHANNEL(linkedid)']);
        expect(emulator.requests.some((request) => request.path === '/ari/bridges')).toBe(true);
        const inbox = await json<{ items: Array<{ path: string; body: string }> }>(
          'admin',
          `/api/v1/webhooks?connectionId=${connectionId}&limit=100`,
        );
        const live = inbox.items.filter((item) => item.path === '/ari/live').map((item) => JSON.parse(item.body));
        expect(live).toHaveLength(2);
        expect(live.every((entry) => entry.linkedid === played.linkedid && entry.call === played.linkedid)).toBe(true);

        await emulator.finishCall(played.linkedid);
        await expect
          .poll(() => callOf(played.linkedid), { timeout: 5000 })
          .toMatchObject({ status: 'ended', disposition: 'answered', missed: false, ownerId: real.ids.anna });
        const ended = (await callOf(played.linkedid))!;
        expect(ended.legs.map((leg) => [leg.extension, leg.outcome])).toEqual([['101', 'answered']]);
        // Ringing: the answer came over the new WebSocket, on the PBX's clock. Talking: counted from the listing.
        if (stage === 'ringing') expect(ended.duration).toBe(42);
        else expect(ended.duration).toBeGreaterThan(0);
        await anna.next('call.ended');
      } finally {
        anna.close();
      }
    });
  }
});
