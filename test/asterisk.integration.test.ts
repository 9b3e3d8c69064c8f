/**
 * Asterisk (AMI) end to end: the real hub listening on a port keeps an AMI connection to the emulator
 * (a real TCP server); every scripted call is played over it and the result read back through the REST
 * API: calls, legs, owners, recordings, click-to-call, and a connection dropped in the middle of a call.
 * chan_sip (technology SIP: `SIPpeers`, `SIP/101-…` channels) runs the members, a call, its events and
 * click-to-call again; the rest does not depend on the channel technology.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startAsteriskAmiEmulator, type AsteriskAmiEmulator } from '../src/emulators/asterisk/asterisk-ami-emulator.js';
import type { AsteriskScenarioName } from '../src/emulators/asterisk/asterisk-scenarios.js';
import type { CallDetailsView } from '../src/runtime/call-view.js';
import type { Store } from '../src/storage/index.js';
import { describeEachDatabase } from '../src/testing/databases.js';
import { startRealHub, type Person, type RealHub } from '../src/testing/real-hub.js';
import { openEventStream } from '../src/testing/sse-client.js';

const USER = 'switchboard';
const SECRET = 'integration-secret';
const CLIENT = '79161234567';

interface Expected {
  direction: string;
  owner: 'anna' | 'boris';
  client: string;
  disposition: string;
  missed: boolean;
  duration: number;
  legs: Array<[string, string]>;
  recorded?: boolean;
}

const IN = { direction: 'in', client: `+${CLIENT}`, disposition: 'answered', missed: false };
const EXPECTED: Record<Exclude<AsteriskScenarioName, 'dropped-connection'>, Expected> = {
  'incoming-answered': { ...IN, owner: 'anna', duration: 42, legs: [['101', 'answered']] },
  // The Cdr's NO ANSWER is the last word on the call; the ringing leg was cancelled (DialEnd CANCEL).
  'incoming-missed': {
    ...IN,
    owner: 'anna',
    disposition: 'no_answer',
    missed: true,
    duration: 0,
    legs: [['101', 'cancelled']],
  },
  'group-ringing': {
    ...IN,
    owner: 'boris',
    duration: 61,
    legs: [
      ['101', 'answered_elsewhere'],
      ['102', 'answered'],
    ],
  },
  outgoing: { ...IN, direction: 'out', owner: 'anna', duration: 30, legs: [['101', 'answered']] },
  internal: { ...IN, direction: 'internal', client: '101', owner: 'boris', duration: 60, legs: [['102', 'answered']] },
  'blind-transfer': {
    ...IN,
    owner: 'boris',
    duration: 87,
    legs: [
      ['101', 'transferred'],
      ['102', 'answered'],
    ],
  },
  'attended-transfer': {
    ...IN,
    owner: 'boris',
    duration: 108,
    legs: [
      ['101', 'transferred'],
      ['102', 'answered'],
    ],
  },
  recorded: { ...IN, owner: 'anna', duration: 42, legs: [['101', 'answered']], recorded: true },
};

const MEMBERS = {
  PJSIP: { action: 'PJSIPShowEndpoints', online: 'Not in use', offline: 'Unavailable' },
  SIP: { action: 'SIPpeers', online: 'OK (5 ms)', offline: 'UNREACHABLE' },
};

describeEachDatabase('Asterisk (AMI, PJSIP) through the real server', (getStore) => amiSuite(getStore, 'PJSIP'));
describeEachDatabase('Asterisk (AMI, chan_sip) through the real server', (getStore) => amiSuite(getStore, 'SIP'));

function amiSuite(getStore: () => Store, technology: 'PJSIP' | 'SIP') {
  const full = technology === 'PJSIP';
  let real: RealHub;
  let emulator: AsteriskAmiEmulator;
  let connectionId: string;
  const api: RealHub['api'] = (who, path, init) => real.api(who, path, init);
  const json = <T = Record<string, unknown>>(who: Person, path: string, init?: RequestInit) =>
    real.json<T>(who, path, init);
  const calls = (who: Person) => real.calls(who);
  const callOf = async (linkedid: string) => {
    const found = (await calls('admin')).find((call) => call.externalId === linkedid);
    return found ? json<CallDetailsView>('admin', `/api/v1/calls/${found.id}`) : undefined;
  };
  const source = async () =>
    (await json<{ eventSource: Record<string, unknown> }>('admin', `/api/v1/connections/${connectionId}`)).eventSource;

  beforeEach(async () => {
    emulator = await startAsteriskAmiEmulator({
      users: { [USER]: SECRET },
      staff: [{ extension: '101' }, { extension: '102' }, { extension: '103', state: 'Unavailable' }],
      originate: { '102': 'busy' },
      technology,
    });
    real = await startRealHub(getStore(), {
      eventSources: { syncMs: 200, backoffMs: 100, maxBackoffMs: 400, lockRetryMs: 200 },
    });
    const settings = {
      host: emulator.host,
      port: emulator.port,
      user: USER,
      secret: SECRET,
      recordUrlTemplate: emulator.recordUrlTemplate,
      technology,
    };
    connectionId = (await real.connect('asterisk', settings, { anna: '101', boris: '102' })).id;
    await expect.poll(async () => (await source()).status, { timeout: 5000 }).toBe('connected');
  });

  afterEach(async () => {
    await real?.close();
    await emulator?.close();
  });

  it('tests the connection, lists the endpoints as members with their state, and shows the link in the API', async () => {
    expect(await json('admin', `/api/v1/connections/${connectionId}/test`, { method: 'POST', body: '{}' })).toEqual({
      success: true,
    });
    const { action, online, offline } = MEMBERS[technology];
    expect(await json('admin', `/api/v1/connections/${connectionId}/members`)).toEqual([
      { id: '101', label: `Extension 101 (online: ${online})` },
      { id: '102', label: `Extension 102 (online: ${online})` },
      { id: '103', label: `Extension 103 (offline: ${offline})` },
    ]);
    expect(emulator.actions.some((a) => a.action === action)).toBe(true);
    expect(emulator.sessions()).toContainEqual({ username: USER, events: true });
    expect(emulator.actions.some((a) => a.action === 'Login' && a.fields.authtype === 'MD5' && !a.fields.secret)).toBe(
      true,
    );
    const metrics = await (await api('admin', '/metrics')).text();
    expect(metrics).toContain(`switchboard_event_source_connected{connection="${connectionId}"} 1`);
  });

  it.runIf(full)(
    'refuses a wrong secret with a message naming manager.conf, and HTTP posts to the connection',
    async () => {
      await json('admin', `/api/v1/connections/${connectionId}`, {
        method: 'PATCH',
        body: JSON.stringify({ settings: { secret: 'wrong' } }),
      });
      const result = await json<{ success: boolean; failReason: string }>(
        'admin',
        `/api/v1/connections/${connectionId}/test`,
        {
          method: 'POST',
          body: '{}',
        },
      );
      expect(result.success).toBe(false);
      expect(result.failReason).toMatch(/manager\.conf/);
      await expect.poll(async () => (await source()).lastError, { timeout: 5000 }).toMatch(/refused the login/);
      const connection = await json<{ webhookUrl: string }>('admin', `/api/v1/connections/${connectionId}`);
      const forged = await fetch(`${connection.webhookUrl}/ami/event`, { method: 'POST', body: 'Event: Hangup\r\n' });
      expect(forged.status).toBe(404);
    },
  );

  for (const [scenario, expected] of Object.entries(EXPECTED)) {
    it.runIf(full || scenario === 'incoming-answered')(scenario, async () => {
      const played = await emulator.playScenario({ name: scenario as AsteriskScenarioName, client: CLIENT });
      const summary = {
        status: 'ended',
        direction: expected.direction,
        clientNumber: expected.client,
        disposition: expected.disposition,
        missed: expected.missed,
        duration: expected.duration,
        ownerId: real.ids[expected.owner],
        hasRecording: expected.recorded === true,
      };
      // The Cdr comes last: once the call matches, everything has been applied.
      await expect.poll(() => callOf(played.linkedid), { timeout: 5000 }).toMatchObject(summary);
      const call = (await callOf(played.linkedid))!;
      expect(call.legs.map((leg) => [leg.extension, leg.outcome])).toEqual(expected.legs);
      if (expected.recorded) {
        const redirect = await api('anna', `/api/v1/calls/${call.id}/recording`);
        expect(redirect.status).toBe(302);
        const link = redirect.headers.get('location') ?? '';
        expect(link).toBe(`${emulator.url}/monitor/${played.recordings[0]}.wav`);
        const audio = await fetch(link);
        expect(audio.headers.get('content-type')).toBe('audio/wav');
        expect(
          Buffer.from(await audio.arrayBuffer())
            .subarray(0, 4)
            .toString(),
        ).toBe('RIFF');
      }
    });
  }

  it('stores each event raw in the inbox, parsed like a webhook', async () => {
    const played = await emulator.playScenario({ name: 'incoming-answered', client: CLIENT });
    const inbox = async () =>
      (
        await json<{ items: Array<{ path: string; body: string; status: string }> }>(
          'admin',
          `/api/v1/webhooks?connectionId=${connectionId}&limit=100`,
        )
      ).items
        .filter((item) => item.body.includes(played.linkedid))
        .reverse();
    const last = async () => {
      const item = (await inbox()).at(-1);
      return `${item?.status} ${item?.body}`;
    };
    await expect.poll(last, { timeout: 5000 }).toMatch(/^processed Event: Cdr/);
    const events = await inbox();
    expect(events.every((item) => item.path === '/ami/event' && item.status === 'processed')).toBe(true);
    expect(events.map((item) => /^Event: (\w+)/.exec(item.body)?.[1])).toEqual([
      'Newchannel',
      'Newchannel',
      'DialBegin',
      'Newstate',
      'Newstate',
      'DialEnd',
      'Newstate',
      'BridgeEnter',
      'BridgeEnter',
      'BridgeLeave',
      'BridgeLeave',
      'Hangup',
      'Hangup',
      'Cdr',
    ]);
    expect(events[0]!.body).toMatch(/\r\nTimestamp: \d+\.\d{6}\r\n/);
    expect(events[2]!.body).toMatch(new RegExp(`\r\nDestChannel: ${technology}/101-[0-9a-f]{8}\r\n`));
  });

  it.runIf(full)('tells both agents of a group call, and the answerer owns it', async () => {
    const anna = await openEventStream(`${real.base}/api/v1/events`, real.tokens.anna);
    const boris = await openEventStream(`${real.base}/api/v1/events`, real.tokens.boris);
    try {
      await emulator.playScenario({ name: 'group-ringing', client: CLIENT });
      await anna.next('call.recorded');
      await boris.next('call.recorded');
      for (const stream of [anna, boris]) {
        expect(stream.types()).toEqual(['call.ringing', 'call.answered', 'call.ended', 'call.recorded']);
      }
    } finally {
      anna.close();
      boris.close();
    }
  });

  it('click-to-call originates to the agent first, then the client, and links the call to the request', async () => {
    const started = await json('anna', '/api/v1/calls', {
      method: 'POST',
      body: JSON.stringify({ to: '+7 916 123-45-67' }),
    });
    await emulator.idle();
    const originate = emulator.actions.find((action) => action.action === 'Originate');
    expect(originate?.fields).toMatchObject({
      channel: `${technology}/101`,
      exten: '+79161234567',
      context: 'from-internal',
      async: 'true',
    });
    await expect
      .poll(async () => (await json('anna', `/api/v1/originations/${String(started.originationId)}`)).status, {
        timeout: 5000,
      })
      .toBe('linked');
    const call = (await calls('anna')).find((c) => c.originationId === started.originationId);
    await expect
      .poll(() => callOf(call!.externalId!), { timeout: 5000 })
      .toMatchObject({
        direction: 'out',
        ownerId: real.ids.anna,
        clientNumber: `+${CLIENT}`,
        disposition: 'answered',
        duration: 25,
      });
  });

  it.runIf(full)('tells the agent why click-to-call failed: the OriginateResponse reason in words', async () => {
    const started = await json('boris', '/api/v1/calls', { method: 'POST', body: JSON.stringify({ to: CLIENT }) });
    expect(started.status).toBe('accepted');
    await emulator.idle();
    await expect
      .poll(async () => json('boris', `/api/v1/originations/${String(started.originationId)}`), { timeout: 5000 })
      .toMatchObject({ status: 'failed', error: '102 is busy.' });
  });

  it.runIf(full)(
    'reconnects after the connection drops in the middle of a call, ends the call and reports the gap',
    async () => {
      const played = await emulator.playScenario({ name: 'dropped-connection', client: CLIENT, refuseMs: 500 });
      await expect.poll(async () => (await source()).reconnects, { timeout: 8000 }).toBe(1);
      await expect.poll(async () => (await callOf(played.linkedid))?.status, { timeout: 5000 }).toBe('ended');
      const call = (await callOf(played.linkedid))!;
      expect(call).toMatchObject({ disposition: 'answered', missed: false, ownerId: real.ids.anna });
      expect(call.legs.map((leg) => [leg.extension, leg.outcome])).toEqual([['101', 'answered']]);
      const state = await source();
      expect(state).toMatchObject({ status: 'connected', lastError: expect.stringMatching(/closed|reset/) });
      const gap = state.lastGap as { from: string; to: string };
      expect(Date.parse(gap.to) - Date.parse(gap.from)).toBeGreaterThanOrEqual(400);
      const inbox = await json<{ items: Array<{ path: string; body: string; callId: string | null }> }>(
        'admin',
        `/api/v1/webhooks?connectionId=${connectionId}&limit=100`,
      );
      const notice = inbox.items.find((item) => item.path === '/ami/gap');
      expect(JSON.parse(notice!.body)).toMatchObject({ linkedid: played.linkedid, since: gap.from });
      expect(notice!.callId).toBe(call.id);
      const metrics = await (await api('admin', '/metrics')).text();
      expect(metrics).toContain(`switchboard_event_source_reconnects_total{connection="${connectionId}"} 1`);
    },
  );

  it.runIf(full)('picks up a call that began while the connection was down, from the live channels', async () => {
    emulator.drop(800);
    // Ringing and answered while the hub is away; still talking when it is back.
    const played = await emulator.playScenario({ name: 'incoming-answered', client: CLIENT, until: 10 });
    await expect.poll(async () => (await source()).reconnects, { timeout: 8000 }).toBe(1);
    await expect
      .poll(() => callOf(played.linkedid), { timeout: 5000 })
      .toMatchObject({
        status: 'talking',
        direction: 'in',
        clientNumber: `+${CLIENT}`,
        ownerId: real.ids.anna,
      });
    const call = (await callOf(played.linkedid))!;
    expect(call.legs.map((leg) => [leg.extension, leg.status])).toEqual([['101', 'talking']]);
  });
}
