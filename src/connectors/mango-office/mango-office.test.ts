import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, VoipCallDisposition, makeHeaders } from '../../contract/index.js';
import type { FetchRequest, SettingsValues, VoipWebhookParseResult } from '../../contract/index.js';
import { startMangoEmulator } from '../../emulators/mango-office/mango-office-emulator.js';
import type { MangoEmulator } from '../../emulators/mango-office/mango-office-emulator.js';
import { runConnectorSuite } from '../../testing/connector-suite.js';
import { loadFixtures, toFetchRequest } from '../../testing/golden-fixtures.js';
import { closedPort, listen, startHubReceiver } from '../../testing/http-helpers.js';
import type { HubReceiver } from '../../testing/http-helpers.js';
import { memoryContext } from '../../testing/memory-context.js';
import { findConnector } from '../index.js';
import { mangoOfficeConnector } from './index.js';
import { readMangoSettings } from './mango-office-settings.js';
import { MANGO_CALLBACK_PREFIX, dispositionForReason } from './mango-office-webhook.js';

/** The golden fixtures are signed with these. */
const FIXTURE_SETTINGS = { apiKey: 'qwerty123', apiSalt: 'fixture-salt' };
const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

/** sha256(key + json + salt) (§2.4.3), written out here so a mistake in the connector's own is not repeated. */
function mangoSign(json: string, settings = FIXTURE_SETTINGS): string {
  return createHash('sha256')
    .update(settings.apiKey + json + settings.apiSalt)
    .digest('hex');
}

/** Signs a form again after the suite changed its `json` field; other bodies stay as they are. */
function resign(request: FetchRequest): FetchRequest {
  const form = new URLSearchParams(request.body);
  const json = form.get('json');
  if (json === null || !form.has('sign')) return request;
  form.set('sign', mangoSign(json));
  return { ...request, body: form.toString() };
}

/** The recordings the fixtures' call records name: the emulator holds them, so their links can be fetched. */
const fixtureRecordings = loadFixtures(FIXTURES).flatMap((fixture) => {
  const call = fixture.expect.callRecord?.call as { recordingId?: string } | undefined;
  return call?.recordingId ? [call.recordingId] : [];
});

runConnectorSuite({
  definition: mangoOfficeConnector,
  settings: FIXTURE_SETTINGS,
  fixtures: FIXTURES,
  sign: resign,
  call: { src: '101', dst: '+7 (916) 555-01-02' },
  emulator: async () => {
    const emulator = await startMangoEmulator({ ...FIXTURE_SETTINGS, recordings: fixtureRecordings });
    return { settings: { apiUrl: emulator.apiUrl }, close: () => emulator.close() };
  },
});

function signedRequest(path: string, payload: object, settings = FIXTURE_SETTINGS): FetchRequest {
  const json = JSON.stringify(payload);
  const body = new URLSearchParams({ vpbx_api_key: settings.apiKey, sign: mangoSign(json, settings), json });
  return toFetchRequest(
    { method: 'POST', path, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: body.toString() },
    'http://hub.test/hook',
  );
}

function connector(settings: SettingsValues = FIXTURE_SETTINGS) {
  const memory = memoryContext(settings);
  return { ...memory, module: mangoOfficeConnector.create(memory.ctx) };
}

it('is in the registry under its id', () => {
  expect(findConnector('mango-office')).toBe(mangoOfficeConnector);
});

describe('webhook checks', () => {
  const appeared = {
    entry_id: 'E',
    call_id: 'L',
    seq: 1,
    call_state: 'Appeared',
    to: { extension: '101' },
    from: { number: '79161234567' },
  };

  it('checks the signature over the exact json string, not a re-serialisation', async () => {
    const { module } = connector();
    const json = '{ "entry_id": "E", "call_id": "L", "seq": 1, "call_state": "Appeared", "to": {"extension": "101"} }';
    const request = {
      ...signedRequest('/events/call', {}),
      body: new URLSearchParams({ vpbx_api_key: FIXTURE_SETTINGS.apiKey, sign: mangoSign(json), json }).toString(),
    };
    const result = await module.VoipParseWebhookRequest(request);
    expect(result.event).toMatchObject({ event: 'start', dstPhone: '101' });
  });

  it('accepts only the allowed source addresses when a list is set', async () => {
    const { module } = connector({ ...FIXTURE_SETTINGS, allowedIps: '81.88.80.132, 81.88.80.133' });
    const request = signedRequest('/events/call', appeared);
    const from = (headers: Record<string, string>) =>
      module.VoipParseWebhookRequest({ ...request, headers: makeHeaders({ ...request.headers, ...headers }) });
    expect((await from({ 'X-Real-IP': '81.88.80.133' })).event).toBeDefined();
    expect((await from({ 'X-Forwarded-For': '10.0.0.1, ::ffff:81.88.80.132' })).response?.statusCode).toBe(200);
    const refused = await from({ 'X-Forwarded-For': '81.88.80.132, 203.0.113.9' });
    expect(refused.response?.statusCode).toBe(403);
    expect(refused.event).toBeUndefined();
    expect((await from({})).response?.statusCode).toBe(403);
  });

  it('logs refusals with the reason', async () => {
    const { module, logs } = connector();
    await module.VoipParseWebhookRequest(
      signedRequest('/events/call', appeared, { ...FIXTURE_SETTINGS, apiSalt: 'other' }),
    );
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('vpbx_api_salt') }),
    );
  });

  it('refuses broken settings with a message for the admin', () => {
    expect(() => readMangoSettings({ apiKey: 'k' })).toThrow(/vpbx_api_salt/);
    expect(() => readMangoSettings({ apiKey: 'k', apiSalt: 's', allowedIps: '81.88.80.132, nonsense' })).toThrow(
      /"nonsense"/,
    );
    expect(() => readMangoSettings({ apiKey: 'k', apiSalt: 's', apiUrl: 'ftp://x' })).toThrow(/https/);
    expect(readMangoSettings({ apiKey: 'k', apiSalt: 's', apiUrl: 'http://127.0.0.1:8101/vpbx' }).apiUrl).toBe(
      'http://127.0.0.1:8101/vpbx/',
    );
  });
});

describe('disconnect reasons', () => {
  it.each([
    [1110, VoipCallDisposition.Cancel],
    [1111, VoipCallDisposition.NoAnswer],
    [1120, VoipCallDisposition.Busy],
    [1121, VoipCallDisposition.Busy],
    [1122, VoipCallDisposition.Busy],
    [1123, VoipCallDisposition.Busy],
    [1131, VoipCallDisposition.NoAnswer],
    [1133, VoipCallDisposition.NoAnswer],
    [1151, VoipCallDisposition.Unknown],
    [1163, VoipCallDisposition.NoAnswer],
    [1170, VoipCallDisposition.NoAnswer],
    [1182, VoipCallDisposition.Cancel],
    [1100, VoipCallDisposition.Cancel],
    [1119, VoipCallDisposition.Cancel], // unknown code → its class 111x
    [1125, VoipCallDisposition.Busy], // → 112x
    [1192, VoipCallDisposition.NoAnswer], // → 119x
    [4299, VoipCallDisposition.NoAnswer], // → 42xx
    [2219, VoipCallDisposition.Unknown], // → 2xxx
    [9999, VoipCallDisposition.Unknown],
    [undefined, VoipCallDisposition.Unknown],
  ])('%s → %s', (reason, disposition) => {
    expect(dispositionForReason(reason)).toBe(disposition);
  });
});

describe('call legs', () => {
  const client = { number: '79161234567' };
  const agent = { extension: '101', number: 'sip:user101@vpbx.mangosip.ru' };
  const note = (callId: string, seq: number, state: string, more: object = {}) => ({
    entry_id: 'ENTRY',
    call_id: callId,
    timestamp: 1_700_000_000 + seq,
    seq,
    call_state: state,
    location: 'abonent',
    from: client,
    to: agent,
    ...more,
  });
  const run = async (module: ReturnType<typeof connector>['module'], notes: object[]) => {
    const results: VoipWebhookParseResult[] = [];
    for (const n of notes) results.push(await module.VoipParseWebhookRequest(signedRequest('/events/call', n)));
    return results.map((r) => (r.event ? `${r.event.event}:${r.event.disposition}` : '-'));
  };

  it.each([
    [
      'answered, the client hangs up',
      [note('L', 1, 'Appeared'), note('L', 2, 'Connected'), note('L', 3, 'Disconnected', { disconnect_reason: 1110 })],
      ['start:unknown', 'answer:unknown', 'end:answered'],
    ],
    [
      'the client gives up',
      [note('L', 1, 'Appeared'), note('L', 2, 'Disconnected', { disconnect_reason: 1110 })],
      ['start:unknown', 'end:cancel'],
    ],
    [
      'nobody answers',
      [note('L', 1, 'Appeared'), note('L', 2, 'Disconnected', { disconnect_reason: 1111 })],
      ['start:unknown', 'end:no_answer'],
    ],
    [
      'the agent rejects',
      [note('L', 1, 'Appeared'), note('L', 2, 'Disconnected', { disconnect_reason: 1122 })],
      ['start:unknown', 'end:busy'],
    ],
    [
      'held then ended',
      [note('L', 1, 'Appeared'), note('L', 2, 'OnHold'), note('L', 3, 'Disconnected', { disconnect_reason: 1120 })],
      ['start:unknown', '-', 'end:answered'],
    ],
    [
      'a stale Appeared after Connected',
      [note('L', 2, 'Connected'), note('L', 1, 'Appeared')],
      ['answer:unknown', '-'],
    ],
    ['a duplicate', [note('L', 1, 'Appeared'), note('L', 1, 'Appeared')], ['start:unknown', '-']],
    [
      'Disconnected overtakes Connected',
      [note('L', 1, 'Appeared'), note('L', 3, 'Disconnected', { disconnect_reason: 1110 }), note('L', 2, 'Connected')],
      ['start:unknown', 'end:answered', '-'],
    ],
    [
      'legs are ordered separately',
      [note('A', 3, 'Disconnected', { disconnect_reason: 1182 }), note('B', 1, 'Appeared')],
      ['end:cancel', 'start:unknown'],
    ],
  ])('%s', async (_name, notes, expected) => {
    expect(await run(connector().module, notes)).toEqual(expected);
  });

  it('maps src and dst by direction', async () => {
    const { module } = connector();
    const parse = async (n: object) => (await module.VoipParseWebhookRequest(signedRequest('/events/call', n))).event;
    expect(await parse(note('IN', 1, 'Appeared'))).toMatchObject({
      direction: 'in',
      srcPhone: '79161234567',
      dstPhone: '101',
      callId: 'ENTRY',
    });
    expect(await parse(note('OUT', 1, 'Appeared', { from: agent, to: client }))).toMatchObject({
      direction: 'out',
      srcPhone: '101',
      dstPhone: '79161234567',
    });
    expect(await parse(note('INT', 1, 'Appeared', { to: { extension: '102' }, from: agent }))).toMatchObject({
      direction: 'internal',
      srcPhone: '101',
      dstPhone: '102',
    });
    expect(await parse(note('IVR', 1, 'Appeared', { location: 'ivr', to: { number: '74951234567' } }))).toBeUndefined();
    expect(await parse(note('Q', 1, 'Appeared', { location: 'queue', to: { acd_group: '500' } }))).toBeUndefined();
    expect(await parse(note('NUM', 1, 'Appeared', { seq: '1', to: { extension: 205 } }))).toMatchObject({
      dstPhone: '205',
    });
  });

  it('reads a number where Mango documents text, and other types there as absent', async () => {
    const { module } = connector();
    const parse = (n: object) => module.VoipParseWebhookRequest(signedRequest('/events/call', n));
    expect((await parse(note('A', 1, 'Appeared', { from: { number: 79161234567 } }))).event).toMatchObject({
      srcPhone: '79161234567',
    });
    const odd = await parse(note('B', 1, 'Appeared', { from: { number: {} }, location: ['ivr'], command_id: 7 }));
    expect(odd.event).toMatchObject({ event: 'start', direction: 'in', srcPhone: '', dstPhone: '101' });
    for (const seq of [[1], true, 1.5, '1e3', 2 ** 53]) {
      expect((await parse(note('C', 1, 'Appeared', { seq }))).response?.statusCode, JSON.stringify(seq)).toBe(400);
    }
  });

  it('plays our callback as one outgoing call: ring the employee, then the client', async () => {
    const command = { command_id: `${MANGO_CALLBACK_PREFIX}42` };
    const ringing = (seq: number, state: string, more: object = {}) =>
      note('L1', seq, state, { ...command, from: client, to: agent, ...more });
    const dialing = (seq: number, state: string, more: object = {}) =>
      note('L2', seq, state, { ...command, from: { ...agent, taken_from_call_id: 'L1' }, to: client, ...more });
    const { module, storage } = connector();
    const events: unknown[] = [];
    for (const n of [
      ringing(1, 'Appeared'),
      ringing(2, 'Connected'),
      ringing(3, 'Disconnected', { disconnect_reason: 1000 }),
      dialing(1, 'Appeared'),
      dialing(2, 'Connected'),
      dialing(3, 'Disconnected', { disconnect_reason: 1120 }),
    ]) {
      const { event } = await module.VoipParseWebhookRequest(signedRequest('/events/call', n));
      if (event) events.push(event);
    }
    const out = { direction: 'out', srcPhone: '101', dstPhone: '79161234567', callId: 'ENTRY' };
    // Each event is dated by its leg's timestamp, with the leg's seq as milliseconds.
    const at = (seq: number) => (1_700_000_000 + seq) * 1000 + seq;
    expect(events).toEqual([
      { event: 'start', disposition: 'unknown', ...out, occurredAt: at(1) },
      { event: 'answer', disposition: 'unknown', ...out, occurredAt: at(2) },
      { event: 'end', disposition: 'answered', ...out, occurredAt: at(3) },
    ]);
    expect([...storage.items.keys()].filter((key) => key.startsWith('mango:leg:'))).toHaveLength(2);
  });

  it('reports a callback the employee did not pick up', async () => {
    const { module } = connector();
    const command = { command_id: `${MANGO_CALLBACK_PREFIX}43` };
    await module.VoipParseWebhookRequest(signedRequest('/events/call', note('L1', 1, 'Appeared', command)));
    const { event } = await module.VoipParseWebhookRequest(
      signedRequest('/events/call', note('L1', 2, 'Disconnected', { ...command, disconnect_reason: 1111 })),
    );
    expect(event).toMatchObject({
      event: 'end',
      direction: 'out',
      srcPhone: '101',
      dstPhone: '79161234567',
      disposition: 'no_answer',
    });
  });

  it("reads another system's command legs by their shape", async () => {
    const { module } = connector();
    const { event } = await module.VoipParseWebhookRequest(
      signedRequest('/events/call', note('R', 1, 'Appeared', { command_id: 'route-7' })),
    );
    expect(event).toMatchObject({ event: 'start', direction: 'in', srcPhone: '79161234567', dstPhone: '101' });
  });
});

describe('call records', () => {
  const summary = {
    entry_id: 'ENTRY',
    call_direction: 1,
    from: { number: '79161234567' },
    to: { extension: '101', number: 'sip:user101@vpbx.mangosip.ru' },
    line_number: '74951234567',
    create_time: 1_700_000_000,
    forward_time: 1_700_000_001,
    talk_time: 1_700_000_005,
    end_time: 1_700_000_047,
    entry_result: 1,
    disconnect_reason: 1110,
  };
  const recording = (state: string, more: object = {}) => ({
    recording_id: 'REC',
    recording_state: state,
    seq: 1,
    entry_id: 'ENTRY',
    call_id: 'L',
    extension: '101',
    ...more,
  });
  const added = { entry_id: 'ENTRY', product_id: 1, user_id: 2, timestamp: 1_700_000_080, recording_id: 'REC' };

  it('adds the recording to the record, playable after record/added, and keeps it through a repeated summary', async () => {
    const { module, storage } = connector();
    const parse = async (path: string, payload: object) =>
      (await module.VoipParseWebhookRequest(signedRequest(path, payload))).callRecord;
    await module.VoipParseWebhookRequest(
      signedRequest('/events/call', {
        entry_id: 'ENTRY',
        call_id: 'L',
        seq: 1,
        call_state: 'Appeared',
        to: { extension: '101' },
      }),
    );
    expect(await parse('/events/recording', recording('Started'))).toBeUndefined();
    const first = await parse('/events/summary', summary);
    expect(first).toEqual({
      srcPhone: '79161234567',
      dstPhone: '101',
      direction: 'in',
      duration: 42,
      disposition: 'answered',
      callId: 'ENTRY',
      call: { entryId: 'ENTRY', recordingId: 'REC', playable: false },
    });
    expect(
      (await parse('/events/recording', recording('Completed', { seq: 2, completion_code: 1000, recipient: 'Cloud' })))
        ?.call,
    ).toEqual({
      entryId: 'ENTRY',
      recordingId: 'REC',
      playable: false,
    });
    expect((await parse('/events/record/added', added))?.call).toEqual({
      entryId: 'ENTRY',
      recordingId: 'REC',
      playable: true,
    });
    const repeated = await parse('/events/summary', summary);
    expect(repeated?.call).toEqual({ entryId: 'ENTRY', recordingId: 'REC', playable: true });
    expect(storage.items.has('mango:leg:L')).toBe(true);
  });

  it('waits for the summary when the recording comes first', async () => {
    const { module } = connector();
    expect(
      (await module.VoipParseWebhookRequest(signedRequest('/events/record/added', added))).callRecord,
    ).toBeUndefined();
    const { callRecord } = await module.VoipParseWebhookRequest(signedRequest('/events/summary', summary));
    expect(callRecord?.call).toEqual({ entryId: 'ENTRY', recordingId: 'REC', playable: true });
  });

  it('drops a recording Mango did not keep', async () => {
    const { module } = connector();
    await module.VoipParseWebhookRequest(signedRequest('/events/recording', recording('Started')));
    await module.VoipParseWebhookRequest(signedRequest('/events/summary', summary));
    const { callRecord } = await module.VoipParseWebhookRequest(
      signedRequest('/events/recording', recording('Completed', { seq: 2, completion_code: 4002 })),
    );
    expect(callRecord?.call).toBeNull();
  });

  it('forgets calls a day old that never completed', async () => {
    const memory = memoryContext(FIXTURE_SETTINGS);
    let now = Date.parse('2025-01-01T10:00:00Z');
    const module = mangoOfficeConnector.create({ ...memory.ctx, now: () => new Date(now) });
    const appeared = (entry: string) => ({
      entry_id: entry,
      call_id: `${entry}-leg`,
      seq: 1,
      call_state: 'Appeared',
      to: { extension: '101' },
    });
    await module.VoipParseWebhookRequest(signedRequest('/events/call', appeared('OLD')));
    await module.VoipParseWebhookRequest(
      signedRequest('/events/recording', { ...recording('Started'), entry_id: 'OLD' }),
    );
    expect(memory.storage.items.has('mango:leg:OLD-leg')).toBe(true);
    now += 25 * 3600_000;
    await module.VoipParseWebhookRequest(signedRequest('/events/call', appeared('NEW')));
    expect([...memory.storage.items.keys()].filter((key) => key.includes('OLD'))).toEqual([]);
    expect(memory.storage.items.has('mango:leg:NEW-leg')).toBe(true);
  });
});

describe('API client against the emulator', () => {
  const KEY = 'emulator-key';
  const SALT = 'emulator-salt';
  let emulator: MangoEmulator;
  /** A second emulator that enforces the documented rate limits; the first one does not, so tests stay independent. */
  let limited: MangoEmulator;
  let hub: HubReceiver;
  let unusedPort: number;
  const settings = (more: SettingsValues = {}) => ({ apiKey: KEY, apiSalt: SALT, apiUrl: emulator.apiUrl, ...more });

  beforeAll(async () => {
    hub = await startHubReceiver();
    emulator = await startMangoEmulator({ apiKey: KEY, apiSalt: SALT, hubUrl: hub.url, rateLimits: false });
    limited = await startMangoEmulator({ apiKey: KEY, apiSalt: SALT });
    unusedPort = await closedPort();
  });
  afterAll(async () => {
    await emulator.close();
    await limited.close();
    await hub.close();
  });

  it.each([
    ['a wrong salt', () => ({ apiSalt: 'nope' }), /signature key \(vpbx_api_salt\)/],
    ['a wrong key', () => ({ apiKey: 'nope' }), /unique PBX code \(vpbx_api_key\)/],
    ['a wrong API address', () => ({ apiUrl: emulator.url + '/elsewhere/' }), /404 Not Found: check the API address/],
    [
      'an unreachable server',
      () => ({ apiUrl: `http://127.0.0.1:${unusedPort}/vpbx/` }),
      /The provider at http:\/\/127\.0\.0\.1:\d+ did not answer: connection refused\. Check the API address/,
    ],
  ])('explains %s', async (_name, more, reason) => {
    const result = await connector(settings(more())).module.VoipTestConnection();
    expect(result.success).toBe(false);
    expect(result.failReason).toMatch(reason);
  });

  it('explains a timeout', async () => {
    const silent = await listen(() => undefined);
    const memory = memoryContext(settings({ apiUrl: `${silent.url}/vpbx/` }), AbortSignal.timeout(300));
    const result = await mangoOfficeConnector.create(memory.ctx).VoipTestConnection();
    await silent.close();
    expect(result).toEqual({ success: false, failReason: expect.stringMatching(/did not answer in time/) });
  });

  it('explains the rate limit', async () => {
    const { module } = connector(settings({ apiUrl: limited.apiUrl }));
    const results = await Promise.all([1, 2, 3, 4].map(() => module.VoipTestConnection()));
    expect(results.map((r) => r.failReason).find(Boolean)).toMatch(/rate limit exceeded/);
  });

  it('lists the employees, retrying once after the 2-second limit', async () => {
    const { module } = connector(settings({ apiUrl: limited.apiUrl }));
    const expected = [
      { id: '101', label: 'Anna Smirnova (Sales)' },
      { id: '102', label: 'Boris Ivanov (Sales)' },
      { id: '103', label: 'Olga Petrova (Support)' },
    ];
    expect(await module.VoipGetMembers()).toEqual(expected);
    const started = Date.now();
    expect(await module.VoipGetMembers()).toEqual(expected);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  });

  it('starts a callback: the emulator records it and pushes the legs', async () => {
    const { module } = connector(settings());
    hub.requests.length = 0;
    await module.VoipGenerateCall('102', '+7 (916) 555-01-02');
    await emulator.idle();
    const command = emulator.commands.at(-1);
    expect(command).toMatchObject({
      path: '/commands/callback',
      result: 1000,
      payload: { from: { extension: '102' }, to_number: '79165550102' },
    });
    const commandId = (command?.payload as { command_id: string }).command_id;
    expect(commandId.startsWith(MANGO_CALLBACK_PREFIX)).toBe(true);

    const { module: hubSide, logs } = connector(settings());
    const events = [];
    for (const request of hub.requests) {
      const result = await hubSide.VoipParseWebhookRequest(request);
      expect(result.response?.statusCode).toBe(200);
      if (result.event) {
        events.push(
          `${result.event.event}:${result.event.direction}:${result.event.srcPhone}>${result.event.dstPhone}:${result.event.disposition}`,
        );
      }
    }
    expect(hub.requests[0]?.path).toBe('/result/callback');
    expect(events).toEqual([
      'start:out:102>79165550102:unknown',
      'answer:out:102>79165550102:unknown',
      'end:out:102>79165550102:answered',
    ]);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'info',
        message: 'Mango performed callback',
        data: expect.objectContaining({ commandId }),
      }),
    );
  });

  it('reports a callback Mango could not perform as the result of that request, once', async () => {
    hub.requests.length = 0;
    const { module, logs } = connector(settings());
    await module.VoipGenerateCall('999', '+79165550102');
    await emulator.idle();
    expect(hub.requests.map((r) => r.path)).toEqual(['/result/callback']);
    const result = await module.VoipParseWebhookRequest(hub.requests[0] as FetchRequest);
    expect(result.generateCallResult).toEqual({
      srcPhone: '999',
      dstPhone: '+79165550102',
      success: false,
      failReason: expect.stringMatching(/extension exists.*3100/),
    });
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringMatching(/did not perform callback/) }),
    );
    // A repeated result, or one for a command another system sent, names no request.
    expect((await module.VoipParseWebhookRequest(hub.requests[0] as FetchRequest)).generateCallResult).toBeUndefined();
  });

  it('reports an accepted callback as a success', async () => {
    hub.requests.length = 0;
    const { module } = connector(settings());
    await module.VoipGenerateCall('101', '79165550103');
    await emulator.idle();
    const result = await module.VoipParseWebhookRequest(hub.requests[0] as FetchRequest);
    expect(result.generateCallResult).toEqual({ srcPhone: '101', dstPhone: '79165550103', success: true });
  });

  it('refuses a callback with readable errors', async () => {
    await expect(connector(settings()).module.VoipGenerateCall('', '79165550102')).rejects.toThrow(/extension/);
    const failure = connector(settings({ apiSalt: 'nope' })).module.VoipGenerateCall('101', '79165550102');
    await expect(failure).rejects.toBeInstanceOf(ConnectorError);
    await expect(failure).rejects.toThrow(/vpbx_api_salt/);
  });

  it('fetches a fresh single-use recording link every time', async () => {
    const played = await emulator.playScenario({ name: 'recorded' });
    const added = played.notifications.find((n) => n.path === '/events/record/added');
    const recordingId = (JSON.parse(added?.json ?? '{}') as { recording_id: string }).recording_id;
    const { module } = connector(settings());
    const callData = { entryId: played.entryId, recordingId, playable: true };
    const link = await module.VoipGetCallLink(callData);
    const audio = await fetch(link);
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    expect(
      Buffer.from(await audio.arrayBuffer())
        .subarray(0, 4)
        .toString('ascii'),
    ).toBe('RIFF');
    expect((await fetch(link)).status).toBe(404);
    const second = await module.VoipGetCallLink(callData);
    expect(second).not.toBe(link);
    expect((await fetch(second)).status).toBe(200);
  });

  it('explains a missing recording', async () => {
    const { module } = connector(settings());
    await expect(module.VoipGetCallLink({ entryId: 'E' })).rejects.toThrow(/no Mango Office recording/);
    await expect(module.VoipGetCallLink({ entryId: 'E', recordingId: 'gone', playable: true })).rejects.toThrow(
      /no such recording.*3320/,
    );
    await expect(module.VoipGetCallLink({ entryId: 'E', recordingId: 'gone', playable: false })).rejects.toThrow(
      /still storing/,
    );
  });

  it('remembers the webhook URL for the setup page', async () => {
    const { module, storage } = connector(settings());
    await module.VoipOnWebhookUpdated?.('https://hub.example/webhooks/abc');
    expect(storage.items.get('mango:webhook-url')).toBe('https://hub.example/webhooks/abc');
  });
});
