import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mangoOfficeConnector } from '../../connectors/mango-office/index.js';
import type { VoipCallRecord, VoipWebhookRequest } from '../../contract/index.js';
import { startHubReceiver } from '../../testing/http-helpers.js';
import type { HubReceiver } from '../../testing/http-helpers.js';
import { memoryContext } from '../../testing/memory-context.js';
import { startMangoEmulator } from './mango-office-emulator.js';
import type { MangoEmulator, MangoScenarioRequest } from './mango-office-emulator.js';
import { MANGO_SCENARIOS } from './mango-office-scenarios.js';
import { toneWav } from '../tone-wav.js';

const KEY = 'demo-key';
const SALT = 'demo-salt';
const CLIENT = '79161234567';

let emulator: MangoEmulator;
let hub: HubReceiver;

beforeAll(async () => {
  hub = await startHubReceiver();
  emulator = await startMangoEmulator({ apiKey: KEY, apiSalt: SALT, hubUrl: hub.url, rateLimits: false });
});
afterAll(async () => {
  await emulator.close();
  await hub.close();
});
beforeEach(() => {
  hub.requests.length = 0;
});

/** Plays a scenario and runs what the hub received through the connector, in arrival order. */
async function playThroughConnector(request: MangoScenarioRequest) {
  const played = await emulator.playScenario(request);
  const { ctx } = memoryContext({ apiKey: KEY, apiSalt: SALT, apiUrl: emulator.apiUrl });
  const module = mangoOfficeConnector.create(ctx);
  const events: VoipWebhookRequest[] = [];
  const records: VoipCallRecord[] = [];
  for (const request of hub.requests) {
    const result = await module.VoipParseWebhookRequest(request);
    expect(result.response?.statusCode).toBe(200);
    if (result.event) events.push(result.event);
    if (result.callRecord) records.push(result.callRecord);
  }
  for (const event of events) expect(event.callId).toBe(played.entryId);
  return { played, events, records, lines: events.map(line) };
}

/** `event direction src>dst disposition`, one line per event. */
const line = (e: VoipWebhookRequest) => `${e.event} ${e.direction} ${e.srcPhone}>${e.dstPhone} ${e.disposition}`;

describe('scenarios through the connector', () => {
  it.each([
    [
      'incoming-answered',
      ['start in C>101 unknown', 'answer in C>101 unknown', 'end in C>101 answered'],
      'in C>101 42s answered',
    ],
    ['incoming-missed', ['start in C>101 unknown', 'end in C>101 cancel'], 'in C>101 0s cancel'],
    [
      'group-ringing',
      [
        'start in C>101 unknown',
        'start in C>102 unknown',
        'answer in C>102 unknown',
        'end in C>101 cancel',
        'end in C>102 answered',
      ],
      'in C>102 61s answered',
    ],
    [
      'outgoing',
      ['start out 101>C unknown', 'answer out 101>C unknown', 'end out 101>C answered'],
      'out 101>C 30s answered',
    ],
    [
      'internal',
      ['start internal 101>102 unknown', 'answer internal 101>102 unknown', 'end internal 101>102 answered'],
      'internal 101>102 60s answered',
    ],
    [
      'consultative-transfer',
      [
        'start in C>101 unknown',
        'answer in C>101 unknown',
        'start internal 101>102 unknown',
        'answer internal 101>102 unknown',
        'end in C>101 answered',
        'answer in C>102 unknown',
        'end in C>102 answered',
      ],
      'in C>101 114s answered',
    ],
    [
      'blind-transfer',
      [
        'start in C>101 unknown',
        'answer in C>101 unknown',
        'start internal 101>102 unknown',
        'end in C>101 answered',
        'start in C>102 unknown',
        'answer in C>102 unknown',
        'end in C>102 answered',
      ],
      'in C>101 92s answered',
    ],
    [
      'callback',
      ['start out 101>C unknown', 'answer out 101>C unknown', 'end out 101>C answered'],
      'out 101>C 40s answered',
    ],
  ])('%s', async (name, expected, record) => {
    const { lines, records } = await playThroughConnector({
      name: name as MangoScenarioRequest['name'],
      client: CLIENT,
    });
    expect(lines.map((l) => l.replaceAll(CLIENT, 'C'))).toEqual(expected);
    expect(records).toHaveLength(1);
    const r = records[0] as VoipCallRecord;
    expect(`${r.direction} ${r.srcPhone}>${r.dstPhone} ${r.duration}s ${r.disposition}`.replaceAll(CLIENT, 'C')).toBe(
      record,
    );
  });

  it('recorded: the record gets the recording, playable once stored', async () => {
    const { played, lines, records } = await playThroughConnector({ name: 'recorded', client: CLIENT });
    expect(lines).toEqual([
      `start in ${CLIENT}>101 unknown`,
      `answer in ${CLIENT}>101 unknown`,
      `end in ${CLIENT}>101 answered`,
    ]);
    const recordingId = (
      JSON.parse(played.notifications.find((n) => n.path === '/events/recording')?.json ?? '{}') as {
        recording_id: string;
      }
    ).recording_id;
    expect(records.map((r) => r.call)).toEqual([
      { entryId: played.entryId, recordingId, playable: false },
      { entryId: played.entryId, recordingId, playable: true },
    ]);
  });

  it('recorded, delivered shuffled and twice, ends with a playable recording', async () => {
    for (const seed of [11, 12, 13, 14, 15, 16]) {
      hub.requests.length = 0;
      const { records, played } = await playThroughConnector({
        name: 'recorded',
        options: { shuffle: true, duplicates: true, seed },
      });
      const recordingId = (
        JSON.parse(played.notifications.find((n) => n.path === '/events/recording')?.json ?? '{}') as {
          recording_id: string;
        }
      ).recording_id;
      expect(records.at(-1)?.call, `seed ${seed}`).toEqual({ entryId: played.entryId, recordingId, playable: true });
      expect(new Set(records.map((r) => `${r.disposition} ${r.duration}`))).toEqual(new Set(['answered 42']));
    }
  });

  it('group ringing with every extension given, delivered shuffled and twice, still tells who answered', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      hub.requests.length = 0;
      const { events, records, played } = await playThroughConnector({
        name: 'group-ringing',
        client: CLIENT,
        extensions: ['101', '102', '103'],
        options: { shuffle: true, duplicates: true, seed },
      });
      expect(played.notifications).toHaveLength(2 * 10);
      for (const ext of ['101', '102', '103']) {
        const mine = events.filter((e) => e.dstPhone === ext);
        const ends = mine.filter((e) => e.event === 'end');
        expect(
          ends.map((e) => e.disposition),
          `seed ${seed}, ${ext}`,
        ).toEqual([ext === '103' ? 'answered' : 'cancel']);
        expect(mine.at(-1), `seed ${seed}: nothing after the end for ${ext}`).toBe(ends[0]);
        expect(mine.filter((e) => e.event === 'start').length).toBeLessThanOrEqual(1);
      }
      expect(records.map((r) => r.disposition)).toEqual(['answered', 'answered']);
    }
  });
});

describe('notifications', () => {
  it('are signed form posts with the documented field sets', async () => {
    const played = await emulator.playScenario({ name: 'recorded', client: CLIENT });
    expect(hub.requests).toHaveLength(played.notifications.length);
    for (const request of hub.requests) {
      expect(request.method).toBe('POST');
      expect(request.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
      const form = new URLSearchParams(request.body);
      const json = form.get('json') ?? '';
      expect(form.get('vpbx_api_key')).toBe(KEY);
      expect(form.get('sign')).toBe(
        createHash('sha256')
          .update(KEY + json + SALT)
          .digest('hex'),
      );
    }
    const payloads = played.notifications.map((n) => ({
      path: n.path,
      payload: JSON.parse(n.json) as Record<string, unknown>,
    }));
    const calls = payloads.filter((p) => p.path === '/events/call').map((p) => p.payload);
    for (const call of calls) {
      expect(Object.keys(call)).toEqual(
        expect.arrayContaining(['entry_id', 'call_id', 'timestamp', 'seq', 'call_state', 'location', 'from', 'to']),
      );
      expect(typeof call.seq).toBe('number');
      expect(call.entry_id).toBe(played.entryId);
    }
    expect(calls.map((c) => `${String(c.seq)} ${String(c.call_state)}`)).toEqual([
      '1 Appeared',
      '2 Connected',
      '3 Disconnected',
    ]);
    expect(calls.at(-1)).toMatchObject({ disconnect_reason: 1110 });
    expect(payloads.map((p) => p.path)).toEqual([
      '/events/call',
      '/events/call',
      '/events/recording',
      '/events/call',
      '/events/recording',
      '/events/summary',
      '/events/record/added',
    ]);
    expect(payloads.find((p) => p.path === '/events/summary')?.payload).toMatchObject({
      call_direction: 1,
      entry_result: 1,
      disconnect_reason: 1110,
    });
  });

  it('can be spaced out', async () => {
    const started = Date.now();
    await emulator.playScenario({ name: 'incoming-missed', options: { delayMs: 60 } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 60 - 5);
  });

  it('report a hub that does not answer', async () => {
    emulator.configure({ hubUrl: 'http://127.0.0.1:9/nowhere' });
    try {
      const played = await emulator.playScenario({ name: 'incoming-missed' });
      expect(played.notifications.every((n) => n.status === null && n.error)).toBe(true);
    } finally {
      emulator.configure({ hubUrl: hub.url });
    }
  });
});

describe('API', () => {
  const post = (path: string, fields: Record<string, string>) =>
    fetch(`${emulator.apiUrl}${path}`, { method: 'POST', body: new URLSearchParams(fields) });
  const signed = (payload: object, key = KEY, salt = SALT) => {
    const json = JSON.stringify(payload);
    return {
      vpbx_api_key: key,
      sign: createHash('sha256')
        .update(key + json + salt)
        .digest('hex'),
      json,
    };
  };

  it.each([
    ['a wrong signature', 'account/balance', () => signed({}, KEY, 'wrong'), 400, 3102],
    ['an unknown key', 'account/balance', () => signed({}, 'other-key'), 400, 3105],
    ['a missing field', 'account/balance', () => ({ vpbx_api_key: KEY, json: '{}' }), 400, 3103],
    [
      'a callback without a number',
      'commands/callback',
      () => signed({ command_id: 'c', from: { extension: '101' } }),
      400,
      3103,
    ],
    [
      'an unknown recording',
      'queries/recording/post',
      () => signed({ recording_id: 'nope', action: 'play' }),
      404,
      3320,
    ],
  ])('answers %s with the documented code', async (_name, path, fields, status, result) => {
    const response = await post(path, fields());
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ result });
  });

  it('answers invalid JSON with 3400 and GET with 3101', async () => {
    const json = '{"broken"';
    const sign = createHash('sha256')
      .update(KEY + json + SALT)
      .digest('hex');
    const response = await post('account/balance', { vpbx_api_key: KEY, sign, json });
    expect(await response.json()).toMatchObject({ result: 3400 });
    const get = await fetch(`${emulator.apiUrl}account/balance`);
    expect(get.status).toBe(405);
    expect(await get.json()).toMatchObject({ result: 3101 });
  });

  it('answers the balance and the staff, filtered by extension', async () => {
    expect(await (await post('account/balance', signed({}))).json()).toMatchObject({
      result: 1000,
      currency: 'RUB',
      balance: expect.any(Number),
    });
    const users = (await (await post('config/users/request', signed({ extension: '102' }))).json()) as {
      users: unknown[];
    };
    expect(users.users).toEqual([
      expect.objectContaining({
        general: expect.objectContaining({ name: 'Boris Ivanov', department: 'Sales' }),
        telephony: expect.objectContaining({ extension: '102' }),
      }),
    ]);
  });

  it('limits the employee list to one request per 2 seconds with the documented body', async () => {
    const limited = await startMangoEmulator({ apiKey: KEY, apiSalt: SALT });
    try {
      const ask = () =>
        fetch(`${limited.apiUrl}config/users/request`, { method: 'POST', body: new URLSearchParams(signed({})) });
      expect((await ask()).status).toBe(200);
      const second = await ask();
      expect(second.status).toBe(429);
      expect(await second.json()).toEqual({
        name: 'Service Unavailable',
        message: 'Rate limit exceeded.',
        code: 0,
        status: 429,
      });
    } finally {
      await limited.close();
    }
  });

  it('serves a recording through a one-shot link', async () => {
    const played = await emulator.playScenario({ name: 'recorded' });
    const recordingId = (JSON.parse(played.notifications[2]?.json ?? '{}') as { recording_id: string }).recording_id;
    const answer = await fetch(`${emulator.apiUrl}queries/recording/post`, {
      method: 'POST',
      body: new URLSearchParams(signed({ recording_id: recordingId, action: 'download' })),
      redirect: 'manual',
    });
    expect(answer.status).toBe(302);
    const location = answer.headers.get('location') ?? '';
    expect(location.startsWith(`${emulator.url}/files/`)).toBe(true);
    const file = await fetch(location);
    expect(Buffer.from(await file.arrayBuffer())).toEqual(toneWav());
    expect((await fetch(location)).status).toBe(404);
  });
});

describe('control endpoints', () => {
  const control = (path: string, init?: RequestInit) => fetch(`${emulator.url}/_emulator/${path}`, init);

  it('plays a scenario over HTTP and answers with what was sent', async () => {
    const response = await control('scenario', {
      method: 'POST',
      body: JSON.stringify({ name: 'incoming-answered', client: '79990001122', extensions: ['103'] }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      entryId: string;
      notifications: Array<{ path: string; json: string; status: number }>;
    };
    expect(body.notifications.map((n) => `${n.path} ${n.status}`)).toEqual([
      '/events/call 200',
      '/events/call 200',
      '/events/call 200',
      '/events/summary 200',
    ]);
    expect(JSON.parse(body.notifications[0]?.json ?? '{}')).toMatchObject({
      entry_id: body.entryId,
      from: { number: '79990001122' },
      to: { extension: '103' },
    });
    expect(hub.requests).toHaveLength(4);
  });

  it('refuses unknown scenarios and bad requests', async () => {
    const unknown = await control('scenario', { method: 'POST', body: JSON.stringify({ name: 'conference' }) });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ scenarios: [...MANGO_SCENARIOS] });
    const short = await control('scenario', {
      method: 'POST',
      body: JSON.stringify({ name: 'internal', extensions: ['101'] }),
    });
    expect(await short.json()).toEqual({ error: 'Scenario "internal" needs 2 extension(s), got 1' });
    expect((await control('scenario', { method: 'POST', body: 'nope' })).status).toBe(400);
    expect((await control('config', { method: 'PUT', body: JSON.stringify({ hubUrl: 'not a url' }) })).status).toBe(
      400,
    );
  });

  it('sets the hub and the staff, and lists the commands received', async () => {
    const before = [...emulator.staff];
    const staff = [{ extension: '201', name: 'Vera Orlova' }];
    const put = await control('config', { method: 'PUT', body: JSON.stringify({ staff }) });
    try {
      expect(await put.json()).toEqual({ hubUrl: hub.url, staff });
      const json = JSON.stringify({ command_id: 'demo-1', from: { extension: '201' }, to_number: '79160000000' });
      const sign = createHash('sha256')
        .update(KEY + json + SALT)
        .digest('hex');
      await fetch(`${emulator.apiUrl}commands/callback`, {
        method: 'POST',
        body: new URLSearchParams({ vpbx_api_key: KEY, sign, json }),
      });
      await emulator.idle();
      const commands = (await (await control('commands')).json()) as Array<{
        path: string;
        payload: unknown;
        result: number;
      }>;
      expect(commands.at(-1)).toMatchObject({
        path: '/commands/callback',
        payload: { command_id: 'demo-1' },
        result: 1000,
      });
      const legs = hub.requests
        .filter((r) => r.path === '/events/call')
        .map((r) => JSON.parse(new URLSearchParams(r.body).get('json') ?? '{}'));
      expect(legs).toHaveLength(6);
      expect(legs.every((leg) => leg.command_id === 'demo-1')).toBe(true);
      expect(legs[0]).toMatchObject({
        call_state: 'Appeared',
        to: { extension: '201' },
        from: { number: '79160000000' },
      });
    } finally {
      emulator.configure({ staff: before });
    }
  });
});

describe('tone', () => {
  it('is a valid 1 s, 8 kHz, mono, 16-bit PCM WAV of 440 Hz', () => {
    const wav = toneWav();
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.toString('ascii', 8, 12)).toBe('WAVE');
    expect([wav.readUInt16LE(20), wav.readUInt16LE(22), wav.readUInt32LE(24), wav.readUInt16LE(34)]).toEqual([
      1, 1, 8000, 16,
    ]);
    expect(wav.readUInt32LE(40)).toBe(16000);
    expect(wav.length).toBe(44 + 16000);
    const samples = Array.from({ length: 8000 }, (_, i) => wav.readInt16LE(44 + i * 2));
    const crossings = samples.slice(1).filter((s, i) => (samples[i] ?? 0) < 0 && s >= 0).length;
    expect(crossings).toBeGreaterThanOrEqual(438);
    expect(crossings).toBeLessThanOrEqual(441);
    expect(Math.max(...samples)).toBeGreaterThan(16000);
  });
});
