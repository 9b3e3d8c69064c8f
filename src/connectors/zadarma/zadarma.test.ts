import { createHash, createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, makeHeaders } from '../../contract/index.js';
import type { FetchRequest, SettingsValues } from '../../contract/index.js';
import { startZadarmaEmulator } from '../../emulators/zadarma/zadarma-emulator.js';
import type { ZadarmaEmulator } from '../../emulators/zadarma/zadarma-emulator.js';
import { runConnectorSuite } from '../../testing/connector-suite.js';
import { loadFixtures, toFetchRequest } from '../../testing/golden-fixtures.js';
import { closedPort, listen, startHubReceiver } from '../../testing/http-helpers.js';
import type { HubReceiver, TestServer } from '../../testing/http-helpers.js';
import { memoryContext } from '../../testing/memory-context.js';
import { findConnector } from '../index.js';
import { zadarmaConnector } from './index.js';
import { readZadarmaSettings } from './zadarma-settings.js';
import { zadarmaApiSignature, zadarmaParamString } from './zadarma-webhook.js';

/** The golden fixtures are signed with this secret. */
const FIXTURE_SETTINGS = { apiKey: 'fixture-key', apiSecret: 'fixture-secret' };
const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

/** The documented fields per event, written out here so a mistake in the connector's own table is not repeated. */
function signatureFor(fields: URLSearchParams, secret = FIXTURE_SETTINGS.apiSecret, raw = false): string {
  const event = fields.get('event') ?? '';
  const names =
    event === 'NOTIFY_RECORD'
      ? ['pbx_call_id', 'call_id_with_rec']
      : event === 'NOTIFY_ANSWER'
        ? ['caller_id', 'destination', 'call_start']
        : event.startsWith('NOTIFY_OUT_')
          ? ['internal', 'destination', 'call_start']
          : ['caller_id', 'called_did', 'call_start'];
  const hmac = createHmac('sha1', secret).update(names.map((n) => fields.get(n) ?? '').join(''));
  return raw ? hmac.digest('base64') : Buffer.from(hmac.digest('hex')).toString('base64');
}

/** Signs a form again after the suite changed it; other bodies stay as they are. */
function resign(request: FetchRequest): FetchRequest {
  if (!('Signature' in request.headers)) return request;
  const signature = signatureFor(new URLSearchParams(request.body));
  return { ...request, headers: makeHeaders({ ...request.headers, Signature: signature }) };
}

const fixtureRecordings = loadFixtures(FIXTURES).flatMap((fixture) => {
  const call = fixture.expect.callRecord?.call as { recordId?: string } | null | undefined;
  return call?.recordId ? [call.recordId] : [];
});

runConnectorSuite({
  definition: zadarmaConnector,
  settings: FIXTURE_SETTINGS,
  fixtures: FIXTURES,
  sign: resign,
  call: { src: '100', dst: '+7 (916) 555-01-02' },
  emulator: async () => {
    // The suite's webhook URL is not served, so the emulator does not check it with zd_echo here.
    const emulator = await startZadarmaEmulator({
      ...FIXTURE_SETTINGS,
      recordings: fixtureRecordings,
      echoCheck: false,
    });
    return { settings: { apiUrl: emulator.apiUrl }, close: () => emulator.close() };
  },
});

function signed(fields: Record<string, string>, settings = FIXTURE_SETTINGS, raw = false): FetchRequest {
  const form = new URLSearchParams(fields);
  return toFetchRequest(
    {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Signature: signatureFor(form, settings.apiSecret, raw),
      },
      body: form.toString(),
    },
    'http://hub.test/hook',
  );
}

function connector(settings: SettingsValues = FIXTURE_SETTINGS) {
  const memory = memoryContext(settings);
  return { ...memory, module: zadarmaConnector.create(memory.ctx) };
}

const START = {
  event: 'NOTIFY_START',
  call_start: '2026-01-15 13:00:00',
  pbx_call_id: 'in_1',
  caller_id: '79161234567',
  called_did: '74951234567',
};

it('is in the registry under its id', () => {
  expect(findConnector('zadarma')).toBe(zadarmaConnector);
});

describe('signatures', () => {
  it('signs API requests as the PHP client does: sorted, RFC 1738, md5, hex HMAC, base64', () => {
    const params = { to: '+7 916*', from: '100', format: 'json' };
    const query = 'format=json&from=100&to=%2B7+916%2A';
    expect(zadarmaParamString(params)).toBe(query);
    const md5 = createHash('md5').update(query).digest('hex');
    const hex = createHmac('sha1', 's3cret').update(`/v1/request/callback/${query}${md5}`).digest('hex');
    expect(zadarmaApiSignature('/v1/request/callback/', query, 's3cret')).toBe(Buffer.from(hex).toString('base64'));
  });

  it('accepts the raw-digest variant only when the setting allows it', async () => {
    const request = signed(START, FIXTURE_SETTINGS, true);
    expect((await connector().module.VoipParseWebhookRequest(request)).response?.statusCode).toBe(401);
    const allowed = await connector({
      ...FIXTURE_SETTINGS,
      acceptRawDigestSignature: true,
    }).module.VoipParseWebhookRequest(request);
    expect(allowed.event).toMatchObject({ event: 'start', callId: 'in_1' });
  });

  it('logs refusals with the reason', async () => {
    const { module, logs } = connector();
    await module.VoipParseWebhookRequest(signed(START, { ...FIXTURE_SETTINGS, apiSecret: 'other' }));
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('API secret') }),
    );
  });
});

describe('settings', () => {
  it('picks the platform, and refuses broken values with a message for the admin', () => {
    expect(readZadarmaSettings(FIXTURE_SETTINGS).apiUrl).toBe('https://api.zadarma.com');
    expect(readZadarmaSettings({ ...FIXTURE_SETTINGS, platform: 'novofon' }).apiUrl).toBe('https://api.novofon.ru');
    expect(
      readZadarmaSettings({ ...FIXTURE_SETTINGS, platform: 'novofon', apiUrl: 'http://127.0.0.1:9/' }).apiUrl,
    ).toBe('http://127.0.0.1:9');
    expect(readZadarmaSettings({ ...FIXTURE_SETTINGS, timeZone: 'GMT-04:30' }).utcOffsetMinutes).toBe(-270);
    expect(() => readZadarmaSettings({ apiKey: 'k' })).toThrow(/API secret/);
    expect(() => readZadarmaSettings({ ...FIXTURE_SETTINGS, platform: 'mts' })).toThrow(/Unknown platform "mts"/);
    expect(() => readZadarmaSettings({ ...FIXTURE_SETTINGS, timeZone: 'Moscow' })).toThrow(/UTC\+3/);
    expect(() => readZadarmaSettings({ ...FIXTURE_SETTINGS, recordingLinkLifetime: 60 })).toThrow(/180/);
  });

  it('reads call_start in the account time zone', async () => {
    const { module } = connector({ ...FIXTURE_SETTINGS, timeZone: 'UTC+5' });
    const { event } = await module.VoipParseWebhookRequest(signed(START));
    expect(event?.occurredAt).toBe(Date.UTC(2026, 0, 15, 8, 0, 0));
  });
});

describe('the answer to NOTIFY_START', () => {
  const withLookup = (settings: SettingsValues) => {
    const memory = memoryContext(settings);
    const asked: string[] = [];
    const ctx = {
      ...memory.ctx,
      lookupContact: async (phone: string) => {
        asked.push(phone);
        return phone === '79161234567' ? { name: 'Acme, Ivan', responsibleExtension: '101' } : undefined;
      },
    };
    return { asked, module: zadarmaConnector.create(ctx) };
  };

  it("names a known caller, and redirects to the owner's extension only when the setting says so", async () => {
    const named = withLookup(FIXTURE_SETTINGS);
    const result = await named.module.VoipParseWebhookRequest(signed(START));
    expect(named.asked).toEqual(['79161234567']);
    expect(JSON.parse(result.response?.body ?? '')).toEqual({ caller_name: 'Acme, Ivan' });
    expect(result.event).toMatchObject({ event: 'start', callId: 'in_1' });
    const routed = withLookup({ ...FIXTURE_SETTINGS, routeToOwner: true });
    const answer = await routed.module.VoipParseWebhookRequest(signed(START));
    expect(JSON.parse(answer.response?.body ?? '')).toEqual({ caller_name: 'Acme, Ivan', redirect: '101' });
  });

  it('answers an unknown caller with an empty 200, and asks nothing for other events', async () => {
    const { module, asked } = withLookup({ ...FIXTURE_SETTINGS, routeToOwner: true });
    const unknown = await module.VoipParseWebhookRequest(signed({ ...START, caller_id: '79990000000' }));
    expect([unknown.response?.statusCode, unknown.response?.body]).toEqual([200, '']);
    await module.VoipParseWebhookRequest(signed({ ...START, event: 'NOTIFY_INTERNAL', internal: '100' }));
    expect(asked).toEqual(['79990000000']);
  });
});

describe('calls', () => {
  it('keeps a day of calls in storage and forgets older ones', async () => {
    const memory = memoryContext(FIXTURE_SETTINGS);
    let now = Date.parse('2026-01-01T10:00:00Z');
    const module = zadarmaConnector.create({ ...memory.ctx, now: () => new Date(now) });
    const end = (id: string) => ({
      ...START,
      event: 'NOTIFY_END',
      pbx_call_id: id,
      internal: '100',
      duration: '5',
      disposition: 'answered',
    });
    await module.VoipParseWebhookRequest(signed(end('in_old')));
    expect(memory.storage.items.has('zadarma:call:in_old')).toBe(true);
    now += 25 * 3600_000;
    await module.VoipParseWebhookRequest(signed(end('in_new')));
    expect(memory.storage.items.has('zadarma:call:in_old')).toBe(false);
    expect(memory.storage.items.has('zadarma:call:in_new')).toBe(true);
  });

  it('ends a group call as a whole: the end names our number, the record the answerer', async () => {
    const { module } = connector();
    const result = await module.VoipParseWebhookRequest(
      signed({
        ...START,
        event: 'NOTIFY_END',
        internal: '101',
        duration: '61',
        disposition: 'answered',
        is_recorded: '0',
      }),
    );
    expect(result.event).toMatchObject({ event: 'end', dstPhone: '74951234567', disposition: 'answered' });
    expect(result.callRecord).toMatchObject({ dstPhone: '101', duration: 61, call: null });
  });
});

describe('API client against the emulator', () => {
  const KEY = 'emulator-key';
  const SECRET = 'emulator-secret';
  let emulator: ZadarmaEmulator;
  let hub: HubReceiver;
  let unusedPort: number;
  const settings = (more: SettingsValues = {}) => ({
    apiKey: KEY,
    apiSecret: SECRET,
    apiUrl: emulator.apiUrl,
    ...more,
  });

  beforeAll(async () => {
    hub = await startHubReceiver();
    emulator = await startZadarmaEmulator({ apiKey: KEY, apiSecret: SECRET, hubUrl: hub.url, rateLimits: false });
    unusedPort = await closedPort();
  });
  afterAll(async () => {
    await emulator.close();
    await hub.close();
  });

  it.each([
    [
      'a wrong secret',
      () => ({ apiSecret: 'nope' }),
      /refused the credentials \("Not authorized"\): check the API key and secret/,
    ],
    ['a wrong key', () => ({ apiKey: 'nope' }), /check the API key and secret/],
    ['a wrong time zone', () => ({ timeZone: 'UTC+1' }), /time zone is UTC\+3 and the connection says UTC\+1/],
    [
      'an unreachable server',
      () => ({ apiUrl: `http://127.0.0.1:${unusedPort}` }),
      /The provider at http:\/\/127\.0\.0\.1:\d+ did not answer: connection refused\. Check the platform or API address/,
    ],
  ])('explains %s', async (_name, more, reason) => {
    const result = await connector(settings(more())).module.VoipTestConnection();
    expect(result.success).toBe(false);
    expect(result.failReason).toMatch(reason);
  });

  it('explains the rate limit of 100 requests a minute', async () => {
    const limited = await startZadarmaEmulator({ apiKey: KEY, apiSecret: SECRET });
    try {
      const { module } = connector(settings({ apiUrl: limited.apiUrl }));
      const results = await Promise.all(Array.from({ length: 55 }, () => module.VoipTestConnection()));
      expect(limited.requests.filter((r) => r.status === 200)).toHaveLength(100);
      expect(results.find((r) => !r.success)?.failReason).toMatch(/rate limit exceeded \(100 requests a minute\)/);
    } finally {
      await limited.close();
    }
  });

  it('lists the extensions with their names', async () => {
    expect(await connector(settings()).module.VoipGetMembers()).toEqual([
      { id: '100', label: 'Anna Smirnova (100)' },
      { id: '101', label: 'Boris Ivanov (101)' },
      { id: '102', label: 'Olga Petrova (102)' },
    ]);
  });

  it('places a click-to-call and recognises its call by extension, number and time', async () => {
    hub.requests.length = 0;
    const { module, ctx, storage } = connector(settings());
    await module.VoipGenerateCall('101', '+7 (916) 555-01-02');
    await emulator.idle();
    expect(emulator.requests.at(-1)).toMatchObject({
      path: '/v1/request/callback/',
      params: { from: '101', to: '79165550102', format: 'json' },
      status: 200,
    });
    const hubSide = zadarmaConnector.create({ ...ctx, storage });
    const results = [];
    for (const request of hub.requests) results.push(await hubSide.VoipParseWebhookRequest(request));
    expect(
      results.map((r) => `${r.event?.event}:${r.event?.direction}:${r.event?.srcPhone}>${r.event?.dstPhone}`),
    ).toEqual(['start:out:101>79165550102', 'end:out:101>79165550102']);
    expect(results[0]?.generateCallResult).toEqual({ srcPhone: '101', dstPhone: '+7 (916) 555-01-02', success: true });
    expect(results[1]?.callRecord).toMatchObject({ duration: 40, disposition: 'answered' });
    // A repeated NOTIFY_OUT_START is not the request's call again.
    expect((await hubSide.VoipParseWebhookRequest(hub.requests[0] as FetchRequest)).generateCallResult).toBeUndefined();
  });

  it('refuses a click-to-call with readable errors', async () => {
    await expect(connector(settings()).module.VoipGenerateCall('Anna', '79165550102')).rejects.toThrow(/extension/);
    const refused = connector(settings()).module.VoipGenerateCall('109', '79165550102');
    await expect(refused).rejects.toBeInstanceOf(ConnectorError);
    await expect(refused).rejects.toThrow(/Wrong parameter from/);
  });

  it('asks for a recording link with the configured lifetime, and the link plays', async () => {
    const played = await emulator.playScenario({ name: 'recorded' });
    const recordId = played.recordings[0] ?? '';
    const { module } = connector(settings({ recordingLinkLifetime: 600 }));
    const link = await module.VoipGetCallLink({ pbxCallId: played.pbxCallId, recordId, ready: true });
    expect(emulator.requests.at(-1)?.params).toMatchObject({ call_id: recordId, lifetime: '600' });
    const audio = await fetch(link);
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    expect(
      Buffer.from(await audio.arrayBuffer())
        .subarray(0, 4)
        .toString('ascii'),
    ).toBe('RIFF');
    // Not single-use: the link lasts its lifetime.
    expect((await fetch(link)).status).toBe(200);
  });

  it('explains a missing recording', async () => {
    const { module } = connector(settings());
    await expect(module.VoipGetCallLink(null)).rejects.toThrow(/no Zadarma recording/);
    await expect(module.VoipGetCallLink({ pbxCallId: 'in_x', recordId: 'gone', ready: false })).rejects.toThrow(
      /still storing/,
    );
    await expect(module.VoipGetCallLink({ pbxCallId: 'in_x', recordId: 'gone', ready: true })).rejects.toThrow(
      /Record not found/,
    );
  });

  describe('registering the webhook URL', () => {
    let checked: ZadarmaEmulator;
    let receiver: TestServer;
    beforeAll(async () => {
      checked = await startZadarmaEmulator({ apiKey: KEY, apiSecret: SECRET });
      // A stand-in for the hub's webhook route: the request goes through the connector, as the intake does.
      receiver = await listen((req, res) => {
        const url = new URL(req.url ?? '/', 'http://hub.test');
        const request = toFetchRequest(
          { method: req.method ?? 'GET', query: Object.fromEntries(url.searchParams) },
          'http://hub.test/',
        );
        void connector(settings({ apiUrl: checked.apiUrl }))
          .module.VoipParseWebhookRequest(request)
          .then((result) => {
            res.writeHead(result.response?.statusCode ?? 200, result.response?.headers ?? {});
            res.end(result.response?.body ?? '');
          });
      });
    });
    afterAll(async () => {
      await checked.close();
      await receiver.close();
    });

    it('sets the URL (answering the zd_echo check) and switches the notifications on', async () => {
      const { module, storage } = connector(settings({ apiUrl: checked.apiUrl }));
      await module.VoipOnWebhookUpdated?.(`${receiver.url}/hooks/abc`);
      expect(checked.hubUrl).toBe(`${receiver.url}/hooks/abc`);
      expect(checked.notifications).toEqual({
        notify_start: 'true',
        notify_internal: 'true',
        notify_answer: 'true',
        notify_end: 'true',
        notify_out_start: 'true',
        notify_out_end: 'true',
      });
      expect(storage.items.get('zadarma:webhook-url')).toBe(`${receiver.url}/hooks/abc`);
    });

    it('explains a URL Zadarma cannot check', async () => {
      const { module } = connector(settings({ apiUrl: checked.apiUrl }));
      await expect(module.VoipOnWebhookUpdated?.(`http://127.0.0.1:${unusedPort}/hooks/abc`)).rejects.toThrow(
        /Zadarma refused \/v1\/pbx\/callinfo\/url\/: Could not check the URL/,
      );
    });
  });
});
