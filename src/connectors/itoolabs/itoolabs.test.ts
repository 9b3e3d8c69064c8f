import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactLookupResult, FetchRequest, SettingsValues } from '../../contract/index.js';
import { startItoolabsEmulator } from '../../emulators/itoolabs/itoolabs-emulator.js';
import type { ItoolabsEmulator } from '../../emulators/itoolabs/itoolabs-emulator.js';
import { runConnectorSuite } from '../../testing/connector-suite.js';
import { toFetchRequest } from '../../testing/golden-fixtures.js';
import { closedPort, startHubReceiver } from '../../testing/http-helpers.js';
import type { HubReceiver } from '../../testing/http-helpers.js';
import { memoryContext } from '../../testing/memory-context.js';
import { findConnector } from '../index.js';
import { parseHistoryCsv } from './itoolabs-api.js';
import { itoolabsConnector } from './index.js';
import { readItoolabsSettings } from './itoolabs-settings.js';

/** The fixtures' pushes carry this token; the API address is a closed port, so no fixture reaches a PBX. */
const FIXTURE_SETTINGS = { apiKey: 'fixture-key', crmToken: 'fixture-crm-token', apiUrl: 'http://127.0.0.1:9' };
const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

for (const apiGeneration of ['legacy', 'rest'] as const) {
  runConnectorSuite({
    definition: itoolabsConnector,
    label: `${apiGeneration} API`,
    settings: { ...FIXTURE_SETTINGS, apiGeneration },
    fixtures: FIXTURES,
    call: { src: '701', dst: '+7 (916) 555-01-02' },
    emulator: async () => {
      const emulator = await startItoolabsEmulator({
        apiKey: FIXTURE_SETTINGS.apiKey,
        crmToken: FIXTURE_SETTINGS.crmToken,
      });
      return { settings: { apiUrl: emulator.apiUrl }, close: () => emulator.close() };
    },
  });
}

function connector(settings: SettingsValues, lookup?: (phone: string) => Promise<ContactLookupResult | undefined>) {
  const memory = memoryContext(settings);
  const ctx = lookup ? { ...memory.ctx, lookupContact: lookup } : memory.ctx;
  return { ...memory, ctx, module: itoolabsConnector.create(ctx) };
}

function push(fields: Record<string, string>, token = FIXTURE_SETTINGS.crmToken): FetchRequest {
  return toFetchRequest(
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, crm_token: token }).toString(),
    },
    'http://hub.test/hook',
  );
}

it('is in the registry under its id', () => {
  expect(findConnector('itoolabs')).toBe(itoolabsConnector);
});

describe('settings', () => {
  it('builds the PBX address from the operator and the PBX name, or takes any address', () => {
    const base = { apiKey: 'k', crmToken: 't' };
    expect(readItoolabsSettings({ ...base, pbxName: 'acme' }).baseUrl).toBe('https://acme.megapbx.ru');
    expect(readItoolabsSettings({ ...base, operator: 'gravitel', pbxName: 'acme' }).baseUrl).toBe(
      'https://acme.gravitel.ru',
    );
    expect(readItoolabsSettings({ ...base, operator: 'kcell', pbxName: 'acme' }).baseUrl).toBe(
      'https://acme.vpbx.kcell.kz',
    );
    expect(readItoolabsSettings({ ...base, operator: 'moldcell', pbxName: 'Acme' }).baseUrl).toBe(
      'https://acme.pbx.moldcell.md',
    );
    expect(readItoolabsSettings({ ...base, operator: 'custom', apiUrl: 'https://pbx.example.net/' }).baseUrl).toBe(
      'https://pbx.example.net',
    );
    expect(() => readItoolabsSettings({ ...base, operator: 'custom' })).toThrow(/give the PBX address/);
    expect(() => readItoolabsSettings({ ...base, pbxName: 'a b' })).toThrow(/PBX name "a b"/);
    expect(() => readItoolabsSettings({ apiKey: 'k' })).toThrow(/CRM token is empty/);
    expect(() => readItoolabsSettings({ ...base, pbxName: 'x', apiGeneration: 'v3' })).toThrow(/legacy or rest/);
  });
});

describe('the contact request', () => {
  it("answers with the hub's contact and routes to its owner's login", async () => {
    const asked: string[] = [];
    const { module, storage } = connector(FIXTURE_SETTINGS, async (phone) => {
      asked.push(phone);
      return { name: 'Acme, Olga Petrova', responsibleExtension: '702' };
    });
    await storage.setItem(
      'itoolabs:accounts',
      JSON.stringify([
        ['anna', '701'],
        ['boris', '702'],
      ]),
    );
    const result = await module.VoipParseWebhookRequest(push({ cmd: 'contact', callid: 'C1', phone: '79161234567' }));
    expect(asked).toEqual(['79161234567']);
    expect(result.response?.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(result.response?.body ?? '')).toEqual({
      contact_name: 'Acme, Olga Petrova',
      responsible: 'boris',
    });
    expect(result.event).toBeUndefined();
  });

  it('names the contact without an owner, and answers {} for an unknown caller', async () => {
    const named = connector(FIXTURE_SETTINGS, async () => ({ name: 'Walk-in' }));
    const answer = await named.module.VoipParseWebhookRequest(push({ cmd: 'contact', phone: '79161234567' }));
    expect(JSON.parse(answer.response?.body ?? '')).toEqual({ contact_name: 'Walk-in' });
    const unknown = connector(FIXTURE_SETTINGS, async () => undefined);
    expect((await unknown.module.VoipParseWebhookRequest(push({ cmd: 'contact', phone: '1' }))).response?.body).toBe(
      '{}',
    );
  });
});

describe('the history CSV', () => {
  it('reads the documented columns, with commas left in the record URL', () => {
    expect(
      parseHistoryCsv(
        'a252179d-0b1e,out,+79002445949,admin@ats23.gravitel.ru,+74996861574,2017-07-07T16:14:08+03:00,0,11,\r\n' +
          'b1,missed,+79001112233,g_x@ats23.gravitel.ru,+74996861574,2017-07-07T16:20:00+03:00,12,0,https://r/x.mp3?a=1,2\n',
      ),
    ).toEqual([
      {
        uid: 'a252179d-0b1e',
        type: 'out',
        client: '+79002445949',
        account: 'admin@ats23.gravitel.ru',
        start: '2017-07-07T16:14:08+03:00',
        wait: 0,
        duration: 11,
        record: '',
      },
      {
        uid: 'b1',
        type: 'missed',
        client: '+79001112233',
        account: 'g_x@ats23.gravitel.ru',
        start: '2017-07-07T16:20:00+03:00',
        wait: 12,
        duration: 0,
        record: 'https://r/x.mp3?a=1,2',
      },
    ]);
  });
});

describe('API against the emulator', () => {
  let emulator: ItoolabsEmulator;
  let hub: HubReceiver;
  let unusedPort: number;
  const settings = (generation: 'legacy' | 'rest', more: SettingsValues = {}) => ({
    ...FIXTURE_SETTINGS,
    apiUrl: emulator.apiUrl,
    apiGeneration: generation,
    ...more,
  });

  beforeAll(async () => {
    hub = await startHubReceiver();
    emulator = await startItoolabsEmulator({
      apiKey: FIXTURE_SETTINGS.apiKey,
      crmToken: FIXTURE_SETTINGS.crmToken,
      hubUrl: hub.url,
    });
    unusedPort = await closedPort();
  });
  afterAll(async () => {
    await emulator.close();
    await hub.close();
  });

  for (const generation of ['legacy', 'rest'] as const) {
    describe(`${generation} API`, () => {
      it('lists the users by extension', async () => {
        expect(await connector(settings(generation)).module.VoipGetMembers()).toEqual([
          { id: '701', label: 'Anna Smirnova (anna)' },
          { id: '702', label: 'Boris Ivanov (boris)' },
          { id: '703', label: 'Olga Petrova (olga)' },
        ]);
      });

      it.each([
        ['a wrong key', () => ({ apiKey: 'nope' }), /refused the API key/],
        [
          'an unreachable PBX',
          () => ({ apiUrl: `http://127.0.0.1:${unusedPort}` }),
          /The provider at .* did not answer: connection refused\. Check the operator/,
        ],
      ])('explains %s', async (_name, more, reason) => {
        const result = await connector(settings(generation, more())).module.VoipTestConnection();
        expect(result).toEqual({ success: false, failReason: expect.stringMatching(reason) });
      });

      it("makes a call with the user's login and digits only", async () => {
        hub.requests.length = 0;
        await connector(settings(generation)).module.VoipGenerateCall('702', '+7 (916) 555-01-02');
        await emulator.idle();
        expect(emulator.requests.at(-1)).toMatchObject({
          api: generation,
          command: generation === 'legacy' ? 'makeCall' : 'POST /makecall',
          params: { user: 'boris', phone: '79165550102' },
          status: 200,
        });
        const pushes = hub.requests
          .map((r) => new URLSearchParams(r.body))
          .map((f) => `${f.get('cmd')}:${f.get('type')}`);
        expect(pushes).toEqual(['event:OUTGOING', 'event:ACCEPTED', 'event:COMPLETED', 'history:out']);
      });

      it('takes a rated call whose history push was lost from the history API', async () => {
        hub.requests.length = 0;
        const played = await emulator.playScenario({ name: 'recorded', rating: 4, withoutHistory: true });
        const rating = hub.requests.find((r) => new URLSearchParams(r.body).get('cmd') === 'rating');
        const { module } = connector(settings(generation));
        const result = await module.VoipParseWebhookRequest(rating as FetchRequest);
        expect(result.callRecord).toMatchObject({
          callId: played.callId,
          direction: 'in',
          duration: 42,
          disposition: 'answered',
          details: { rating: 4 },
          call: { callId: played.callId, link: expect.stringMatching(/\/records\/[0-9a-f-]+\.wav$/) },
        });
        const audio = await fetch(await module.VoipGetCallLink(result.callRecord?.call));
        expect(audio.headers.get('content-type')).toBe('audio/wav');
      });
    });
  }

  it('refuses a call for an extension the PBX does not have', async () => {
    await expect(connector(settings('legacy')).module.VoipGenerateCall('799', '79165550102')).rejects.toThrow(
      /no user with extension 799/,
    );
  });
});
