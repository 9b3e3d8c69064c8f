/**
 * Mango Office end to end: the real hub listening on a port, a Mango connection made through the API and
 * pointed at the emulator, every scripted scenario (in order, duplicated, shuffled and duplicated) pushed to the
 * connection's webhook URL, and the result read back through the REST API and the agents' SSE streams.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startMangoEmulator, type MangoEmulator } from '../src/emulators/mango-office/mango-office-emulator.js';
import type { MangoScenarioName } from '../src/emulators/mango-office/mango-office-scenarios.js';
import { describeEachDatabase } from '../src/testing/databases.js';
import { startRealHub, type Person, type RealHub } from '../src/testing/real-hub.js';
import { openEventStream } from '../src/testing/sse-client.js';

const KEY = 'integration-key';
const SALT = 'integration-salt';
const CLIENT = '79161234567';

interface Expected {
  direction: string;
  owner: 'anna' | 'boris';
  client: string;
  disposition: string;
  missed: boolean;
  /** talk_time → end_time of the script. */
  duration: number;
  /** The extensions that got a leg, in order. */
  legs: string[];
  recorded?: boolean;
}

const IN = { direction: 'in', client: `+${CLIENT}`, disposition: 'answered', missed: false };
const EXPECTED: Record<Exclude<MangoScenarioName, 'callback'>, Expected> = {
  'incoming-answered': { ...IN, owner: 'anna', duration: 42, legs: ['101'] },
  'incoming-missed': { ...IN, owner: 'anna', disposition: 'cancel', missed: true, duration: 0, legs: ['101'] },
  'group-ringing': { ...IN, owner: 'boris', duration: 61, legs: ['101', '102'] },
  outgoing: { ...IN, direction: 'out', owner: 'anna', duration: 30, legs: ['101'] },
  // Anna calls Boris: the hub keeps one agent side, the called one, and the caller's extension as the number.
  internal: { ...IN, direction: 'internal', client: '101', owner: 'boris', duration: 60, legs: ['102'] },
  'consultative-transfer': { ...IN, owner: 'boris', duration: 114, legs: ['101', '102'] },
  'blind-transfer': { ...IN, owner: 'boris', duration: 92, legs: ['101', '102'] },
  recorded: { ...IN, owner: 'anna', duration: 42, legs: ['101'], recorded: true },
};

const DELIVERIES = {
  'in order': {},
  duplicated: { duplicates: true },
  'shuffled and duplicated': { shuffle: true, duplicates: true, seed: 7 },
} as const;

describeEachDatabase('Mango Office through the real server', (getStore) => {
  let real: RealHub;
  let emulator: MangoEmulator;
  let connectionId: string;
  let relay: Relay;
  const api = (...args: Parameters<RealHub['api']>) => real.api(...args);
  const json = <T = Record<string, unknown>>(...args: Parameters<RealHub['json']>) => real.json<T>(...args);
  const calls = (who: Person) => real.calls(who);
  const callByEntry = (entryId: string) => real.callByExternalId(entryId);

  beforeEach(async () => {
    real = await startRealHub(getStore());
    emulator = await startMangoEmulator({
      apiKey: KEY,
      apiSalt: SALT,
      staff: [
        { extension: '101', name: 'Anna Smirnova' },
        { extension: '102', name: 'Boris Ivanov' },
      ],
    });
    const saved = await real.connect(
      'mango-office',
      { apiKey: KEY, apiSalt: SALT, apiUrl: emulator.apiUrl },
      { anna: '101', boris: '102' },
    );
    connectionId = saved.id;
    expect(saved.webhookUrl.startsWith(`${real.base}/hooks/${connectionId}/`)).toBe(true);
    relay = await startRelay(saved.webhookUrl);
    emulator.configure({ hubUrl: relay.url });
  });

  afterEach(async () => {
    await emulator?.close();
    await relay?.close();
    await real?.close();
  });

  it('tests the connection and lists the emulator staff as members', async () => {
    expect(await json('admin', `/api/v1/connections/${connectionId}/test`, { method: 'POST', body: '{}' })).toEqual({
      success: true,
    });
    const members = await api('admin', `/api/v1/connections/${connectionId}/members`);
    expect(await members.json()).toEqual([
      { id: '101', label: 'Anna Smirnova' },
      { id: '102', label: 'Boris Ivanov' },
    ]);
  });

  for (const [scenario, expected] of Object.entries(EXPECTED)) {
    for (const [delivery, options] of Object.entries(DELIVERIES)) {
      it(`${scenario}, ${delivery}`, async () => {
        const played = await emulator.playScenario({ name: scenario as MangoScenarioName, client: CLIENT, options });
        expect(played.notifications.map((n) => n.status)).toEqual(played.notifications.map(() => 200));
        const call = await callByEntry(played.entryId);
        expect(call).toMatchObject({
          disposition: expected.disposition,
          missed: expected.missed,
          duration: expected.duration,
          hasRecording: expected.recorded === true,
          status: 'ended',
          direction: expected.direction,
          clientNumber: expected.client,
        });
        expect(call.ownerId).toBe(real.ids[expected.owner]);
        const legs = call.legs.map((leg) => leg.extension);
        expect(delivery.startsWith('shuffled') ? legs.sort() : legs).toEqual(expected.legs);
      });
    }
  }

  it('tells each agent of a group call: both ring, both see the answer, the answerer owns it', async () => {
    const anna = await openEventStream(`${real.base}/api/v1/events`, real.tokens.anna);
    const boris = await openEventStream(`${real.base}/api/v1/events`, real.tokens.boris);
    try {
      const played = await emulator.playScenario({ name: 'group-ringing', client: CLIENT });
      const call = await callByEntry(played.entryId);
      await anna.next('call.ended');
      await boris.next('call.ended');
      for (const stream of [anna, boris]) {
        expect(stream.types()).toEqual(['call.ringing', 'call.answered', 'call.ended', 'call.recorded']);
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

  it('tells the agent of a missed call, and nobody else', async () => {
    const anna = await openEventStream(`${real.base}/api/v1/events`, real.tokens.anna);
    const boris = await openEventStream(`${real.base}/api/v1/events`, real.tokens.boris);
    try {
      await emulator.playScenario({ name: 'incoming-missed', client: CLIENT });
      await anna.next('call.missed');
      expect(anna.types()).toContain('call.ringing');
      expect(boris.types()).toEqual([]);
    } finally {
      anna.close();
      boris.close();
    }
  });

  it('plays a recording through the hub, with a fresh one-shot link each time', async () => {
    const played = await emulator.playScenario({ name: 'recorded', client: CLIENT });
    const call = await callByEntry(played.entryId);
    const links: string[] = [];
    for (let play = 0; play < 2; play++) {
      const redirect = await api('anna', `/api/v1/calls/${call.id}/recording`);
      expect(redirect.status).toBe(302);
      const link = redirect.headers.get('location') ?? '';
      expect(link.startsWith(emulator.url)).toBe(true);
      links.push(link);
      const audio = await fetch(link);
      expect(audio.headers.get('content-type')).toBe('audio/wav');
      const bytes = Buffer.from(await audio.arrayBuffer());
      expect(bytes.subarray(0, 4).toString()).toBe('RIFF');
      expect((await fetch(link)).status).toBe(404);
    }
    expect(links[0]).not.toBe(links[1]);
  });

  it('says why a call without a recording cannot be played', async () => {
    const played = await emulator.playScenario({ name: 'incoming-answered', client: CLIENT });
    const call = await callByEntry(played.entryId);
    const response = await api('anna', `/api/v1/calls/${call.id}/recording`);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/recording/i);
  });

  it('click-to-call rings the agent first, then the client, and links the call to the request', async () => {
    const started = await json('anna', '/api/v1/calls', {
      method: 'POST',
      body: JSON.stringify({ to: '+7 916 123-45-67' }),
    });
    await emulator.idle();
    const command = emulator.commands.find((c) => c.path === '/commands/callback');
    expect(command?.payload).toMatchObject({ from: { extension: '101' }, to_number: CLIENT });
    const commandId = (command?.payload as { command_id: string }).command_id;
    expect(commandId).toBeTruthy();

    const call = (await calls('anna')).find((c) => c.originationId === started.originationId);
    expect(call).toMatchObject({
      direction: 'out',
      ownerId: real.ids.anna,
      clientNumber: `+${CLIENT}`,
      status: 'ended',
      disposition: 'answered',
      duration: 40,
    });

    // What the emulator pushed: the leg ringing Anna (the client in `from`), then Anna's leg to the client.
    const legs = relay.received
      .filter((n) => n.path === '/events/call' && n.payload.command_id === commandId)
      .map((n) => n.payload as { call_id: string; from: Record<string, string>; to: Record<string, string> });
    const [agentLeg, clientLeg] = [...new Set(legs.map((leg) => leg.call_id))];
    const first = legs.find((leg) => leg.call_id === agentLeg);
    const second = legs.find((leg) => leg.call_id === clientLeg);
    expect(first).toMatchObject({ from: { number: CLIENT }, to: { extension: '101' } });
    expect(second).toMatchObject({ from: { extension: '101' }, to: { number: CLIENT } });
    expect(await json('anna', `/api/v1/originations/${String(started.originationId)}`)).toMatchObject({
      status: 'linked',
      callId: call?.id,
      error: null,
    });
  });

  it('tells the agent when Mango later refuses the click-to-call, and shows the request to nobody else', async () => {
    // Boris is bound to an extension Mango does not know: the command is taken, then /result/callback says 3100.
    await json('admin', `/api/v1/connections/${connectionId}/bindings`, {
      method: 'PUT',
      body: JSON.stringify([{ extension: '109', userId: real.ids.boris }]),
    });
    const started = await json('boris', '/api/v1/calls', { method: 'POST', body: JSON.stringify({ to: CLIENT }) });
    expect(started.status).toBe('accepted');
    await emulator.idle();
    const path = `/api/v1/originations/${String(started.originationId)}`;
    expect(await json('boris', path)).toMatchObject({
      status: 'failed',
      callId: null,
      error: expect.stringMatching(/extension/),
    });
    expect((await api('anna', path)).status).toBe(404);
    expect(await calls('boris')).toEqual([]);
  });
});

interface Relay {
  url: string;
  /** Every notification passed on, in the order the hub got them. */
  received: Array<{ path: string; payload: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** Passes the emulator's notifications on to the hub unchanged, noting each one on the way. */
async function startRelay(target: string): Promise<Relay> {
  const received: Relay['received'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const path = req.url ?? '/';
      received.push({ path, payload: JSON.parse(new URLSearchParams(body).get('json') ?? '{}') });
      fetch(target + path, { method: 'POST', headers: { 'content-type': String(req.headers['content-type']) }, body })
        .then(async (response) => {
          res.writeHead(response.status);
          res.end(await response.text());
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
