import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubReceiver, type HubReceiver } from '../../testing/http-helpers.js';
import { startZadarmaEmulator, type ZadarmaEmulator } from './zadarma-emulator.js';
import { ZADARMA_SCENARIOS, buildZadarmaScenario } from './zadarma-scenarios.js';

const KEY = 'k';
const SECRET = 's';

/** A request signed the documented way, written out here independently of the connector. */
function signedGet(base: string, method: string, params: Record<string, string>): Promise<Response> {
  const query = Object.keys(params)
    .sort()
    .map((k) => `${k}=${encodeURIComponent(params[k] ?? '')}`)
    .join('&');
  const md5 = createHash('md5').update(query).digest('hex');
  const hex = createHmac('sha1', SECRET)
    .update(method + query + md5)
    .digest('hex');
  return fetch(`${base}${method}?${query}`, {
    headers: { Authorization: `${KEY}:${Buffer.from(hex).toString('base64')}` },
  });
}

describe('Zadarma scenarios', () => {
  it.each(ZADARMA_SCENARIOS)('%s sends only strings, one pbx_call_id and a call_start', (name) => {
    const script = buildZadarmaScenario({
      name,
      client: '79161234567',
      extensions: ['100', '101'],
      did: '74951234567',
      callStart: '2026-01-15 13:00:00',
      newId: () => 'ab12',
    });
    expect(script.notifications.length).toBeGreaterThan(1);
    for (const n of script.notifications) {
      expect(Object.values(n).every((v) => typeof v === 'string')).toBe(true);
      expect(n.pbx_call_id).toBe(script.pbxCallId);
      if (n.event !== 'NOTIFY_RECORD') expect(n.call_start).toBe('2026-01-15 13:00:00');
    }
    expect(script.pbxCallId.startsWith(['outgoing', 'outgoing-busy', 'callback'].includes(name) ? 'out_' : 'in_')).toBe(
      true,
    );
  });

  it('rings every extension of a group, one NOTIFY_INTERNAL each', () => {
    const script = buildZadarmaScenario({
      name: 'group-ringing',
      client: '79161234567',
      extensions: ['100', '101', '102'],
      did: '74951234567',
      callStart: '2026-01-15 13:00:00',
      newId: () => 'ab12',
    });
    expect(script.notifications.map((n) => `${n.event}:${n.internal ?? ''}`)).toEqual([
      'NOTIFY_START:',
      'NOTIFY_INTERNAL:100',
      'NOTIFY_INTERNAL:101',
      'NOTIFY_INTERNAL:102',
      'NOTIFY_ANSWER:102',
      'NOTIFY_END:102',
    ]);
  });
});

describe('Zadarma emulator', () => {
  let emulator: ZadarmaEmulator;
  let hub: HubReceiver;
  beforeAll(async () => {
    hub = await startHubReceiver();
    emulator = await startZadarmaEmulator({ apiKey: KEY, apiSecret: SECRET, hubUrl: hub.url, utcOffsetMinutes: 0 });
  });
  afterAll(async () => {
    await emulator.close();
    await hub.close();
  });

  it('answers a correctly signed request and refuses a tampered one with 401', async () => {
    const ok = await signedGet(emulator.url, '/v1/info/timezone/', { format: 'json' });
    expect(await ok.json()).toMatchObject({ status: 'success', timezone: 'UTC+0' });
    expect(ok.headers.get('x-ratelimit-limit')).toBe('100');
    const tampered = await fetch(`${emulator.url}/v1/info/balance/?format=xml`, {
      headers: { Authorization: (await signedHeader('/v1/info/balance/', 'format=json')) ?? '' },
    });
    expect(tampered.status).toBe(401);
  });

  it('signs its notifications as base64 of the hex HMAC over the documented fields', async () => {
    hub.requests.length = 0;
    await emulator.playScenario({ name: 'outgoing' });
    const first = hub.requests[0];
    const form = new URLSearchParams(first?.body);
    expect(form.get('event')).toBe('NOTIFY_OUT_START');
    const text = `${form.get('internal')}${form.get('destination')}${form.get('call_start')}`;
    const hex = createHmac('sha1', SECRET).update(text).digest('hex');
    expect(first?.headers.Signature).toBe(Buffer.from(hex).toString('base64'));
  });

  it('repeats and shuffles deliveries when asked', async () => {
    const played = await emulator.playScenario({
      name: 'incoming-answered',
      options: { duplicates: true, shuffle: true, seed: 3 },
    });
    // NOTIFY_START goes first and once: the PBX waits for its answer before the call goes on.
    const events = played.notifications.map((n) => n.fields.event);
    expect(events[0]).toBe('NOTIFY_START');
    const inOrder = ['NOTIFY_INTERNAL', 'NOTIFY_ANSWER', 'NOTIFY_END'].flatMap((e) => [e, e]);
    expect([...events.slice(1)].sort()).toEqual([...inOrder].sort());
    expect(events.slice(1)).not.toEqual(inOrder);
  });

  it('explains bad control requests', async () => {
    const unknown = await fetch(`${emulator.url}/_emulator/scenario`, { method: 'POST', body: '{"name":"nope"}' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: 'Unknown scenario "nope"' });
    const badClient = await fetch(`${emulator.url}/_emulator/scenario`, {
      method: 'POST',
      body: '{"name":"outgoing","client":"+7 916"}',
    });
    expect(badClient.status).toBe(400);
    expect((await fetch(`${emulator.url}/_emulator/config`, { method: 'PUT', body: '{"hubUrl":"nope"}' })).status).toBe(
      400,
    );
  });

  async function signedHeader(method: string, query: string): Promise<string> {
    const md5 = createHash('md5').update(query).digest('hex');
    const hex = createHmac('sha1', SECRET)
      .update(method + query + md5)
      .digest('hex');
    return `${KEY}:${Buffer.from(hex).toString('base64')}`;
  }
});
