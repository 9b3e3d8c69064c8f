import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type TestServer } from '../../testing/http-helpers.js';
import { startItoolabsEmulator, type ItoolabsEmulator } from './itoolabs-emulator.js';
import { ITOOLABS_SCENARIOS, buildItoolabsScenario } from './itoolabs-scenarios.js';

describe('ITooLabs scenarios', () => {
  const users = [
    { login: 'anna', ext: '701' },
    { login: 'boris', ext: '702' },
  ];
  const build = (name: (typeof ITOOLABS_SCENARIOS)[number]) =>
    buildItoolabsScenario({
      name,
      client: '79161234567',
      users,
      did: '74951234567',
      callId: 'C',
      start: '20260115T100000Z',
      recordUrl: 'http://r/x.wav',
      tenant: 't',
    });

  it.each(ITOOLABS_SCENARIOS)('%s ends with the history of the call, every value a string', (name) => {
    const { pushes } = build(name);
    expect(pushes.at(-1)?.cmd).toBe('history');
    expect(pushes.every((p) => p.callid === 'C' && Object.values(p).every((v) => typeof v === 'string'))).toBe(true);
  });

  it('rings both users of a group and cancels the one who did not answer', () => {
    expect(build('group-ringing').pushes.map((p) => `${p.type}:${p.user}`)).toEqual([
      'INCOMING:anna',
      'INCOMING:boris',
      'ACCEPTED:boris',
      'CANCELLED:anna',
      'COMPLETED:boris',
      'in:boris',
    ]);
  });
});

describe('ITooLabs emulator', () => {
  let emulator: ItoolabsEmulator;
  let crm: TestServer;
  const received: URLSearchParams[] = [];
  let answer = '{}';
  beforeAll(async () => {
    crm = await listen((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        received.push(form);
        res.writeHead(200, { 'content-type': 'application/json' }).end(form.get('cmd') === 'contact' ? answer : '');
      });
    });
    emulator = await startItoolabsEmulator({ apiKey: 'k', crmToken: 'crm', hubUrl: crm.url });
  });
  afterAll(async () => {
    await emulator.close();
    await crm.close();
  });

  it('asks contact first, with the crm_token, and rings the responsible user it is told', async () => {
    received.length = 0;
    answer = '{"contact_name":"Ivan","responsible":"olga"}';
    const played = await emulator.playScenario({ name: 'incoming-answered' });
    expect(played.routedTo).toBe('olga');
    expect(received[0]?.get('cmd')).toBe('contact');
    expect(received.every((f) => f.get('crm_token') === 'crm')).toBe(true);
    expect(received.filter((f) => f.get('cmd') === 'event').map((f) => f.get('user'))).toEqual([
      'olga',
      'olga',
      'olga',
    ]);
  });

  it('lists played calls in the legacy CSV history and the REST JSON history', async () => {
    answer = '{}';
    const played = await emulator.playScenario({ name: 'incoming-missed' });
    const csv = await (
      await fetch(`${emulator.url}/sys/crm_api.wcgp`, {
        method: 'POST',
        body: new URLSearchParams({ cmd: 'history', token: 'k', period: 'today', type: 'missed' }),
      })
    ).text();
    const line = csv.split('\n').find((l) => l.startsWith(played.callId));
    expect(line?.split(',').slice(1, 4)).toEqual(['missed', '+79161234567', 'anna@emulator.megapbx.ru']);
    const json = (await (
      await fetch(`${emulator.url}/crmapi/v1/history/json?period=today`, { headers: { 'X-API-KEY': 'k' } })
    ).json()) as Array<{ uid: string; status: string }>;
    expect(json.find((r) => r.uid === played.callId)?.status).toBe('missed');
  });

  it('refuses a wrong token in each API as the PBX does', async () => {
    const legacy = await fetch(`${emulator.url}/sys/crm_api.wcgp?cmd=accounts&token=x`);
    expect([legacy.status, await legacy.json()]).toEqual([401, { error: 'Invalid token' }]);
    const rest = await fetch(`${emulator.url}/crmapi/v1/users`, { headers: { 'X-API-KEY': 'x' } });
    expect([rest.status, await rest.json()]).toEqual([401, { message: 'Unauthorized' }]);
    const bad = await fetch(`${emulator.url}/sys/crm_api.wcgp`, {
      method: 'POST',
      body: new URLSearchParams({ cmd: 'makeCall', token: 'k', user: 'anna', phone: '+7916' }),
    });
    expect([bad.status, await bad.json()]).toEqual([400, { error: 'Invalid parameters: [phone] +7916' }]);
  });
});
