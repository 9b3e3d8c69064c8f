/**
 * What `module check --emulator <provider>` needs to run the full conformance suite on a script for a
 * provider: the provider's golden fixtures with the settings that signed them, how to re-sign a changed
 * request, the emulator, and a click-to-call to place. The same values as the connector's own test.
 */
import { createHash, createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FetchRequest, SettingsValues } from '../contract/index.js';
import { startFakeEmulator } from '../emulators/fake/fake-emulator.js';
import { startItoolabsEmulator } from '../emulators/itoolabs/itoolabs-emulator.js';
import { startMangoEmulator } from '../emulators/mango-office/mango-office-emulator.js';
import { startZadarmaEmulator } from '../emulators/zadarma/zadarma-emulator.js';
import { makeHeaders } from '../contract/index.js';
import { loadFixtures, withHeader, type GoldenFixture } from './golden-fixtures.js';

export interface ProviderKit {
  provider: string;
  settings: SettingsValues;
  fixtures: GoldenFixture[];
  sign?: (request: FetchRequest) => FetchRequest;
  emulator: () => Promise<{ settings: SettingsValues; close: () => Promise<void> }>;
  call: { src: string; dst: string };
}

const fixturesOf = (id: string) =>
  loadFixtures(fileURLToPath(new URL(`../connectors/${id}/fixtures`, import.meta.url)));

function fakeKit(): ProviderKit {
  const secret = 'fixture-secret';
  return {
    provider: 'fake',
    settings: { secret },
    fixtures: fixturesOf('fake'),
    sign: (request) =>
      withHeader(
        request,
        'X-Fake-Signature',
        createHmac('sha256', secret)
          .update(request.body ?? '')
          .digest('hex'),
      ),
    emulator: async () => {
      const emulator = await startFakeEmulator({
        secret,
        members: [
          { ext: '101', name: 'Anna' },
          { ext: '102', name: 'Boris' },
        ],
      });
      return { settings: { apiUrl: emulator.url }, close: () => emulator.close() };
    },
    call: { src: '102', dst: '+442071838750' },
  };
}

function mangoKit(): ProviderKit {
  const settings = { apiKey: 'qwerty123', apiSalt: 'fixture-salt' };
  const fixtures = fixturesOf('mango-office');
  const recordings = fixtures.flatMap((fixture) => {
    const call = fixture.expect.callRecord?.call as { recordingId?: string } | undefined;
    return call?.recordingId ? [call.recordingId] : [];
  });
  return {
    provider: 'mango-office',
    settings,
    fixtures,
    sign: (request) => {
      const form = new URLSearchParams(request.body);
      const json = form.get('json');
      if (json === null || !form.has('sign')) return request;
      form.set(
        'sign',
        createHash('sha256')
          .update(settings.apiKey + json + settings.apiSalt)
          .digest('hex'),
      );
      return { ...request, body: form.toString() };
    },
    emulator: async () => {
      const emulator = await startMangoEmulator({ ...settings, recordings });
      return { settings: { apiUrl: emulator.apiUrl }, close: () => emulator.close() };
    },
    call: { src: '101', dst: '+7 (916) 555-01-02' },
  };
}

/** Zadarma signs each notification with base64(hex(HMAC-SHA1)) over the event's documented fields. */
function zadarmaKit(): ProviderKit {
  const settings = { apiKey: 'fixture-key', apiSecret: 'fixture-secret' };
  const fixtures = fixturesOf('zadarma');
  const recordings = fixtures.flatMap((fixture) => {
    const call = fixture.expect.callRecord?.call as { recordId?: string } | null | undefined;
    return call?.recordId ? [call.recordId] : [];
  });
  const signature = (fields: URLSearchParams) => {
    const event = fields.get('event') ?? '';
    const names =
      event === 'NOTIFY_RECORD'
        ? ['pbx_call_id', 'call_id_with_rec']
        : event === 'NOTIFY_ANSWER'
          ? ['caller_id', 'destination', 'call_start']
          : event.startsWith('NOTIFY_OUT_')
            ? ['internal', 'destination', 'call_start']
            : ['caller_id', 'called_did', 'call_start'];
    const hex = createHmac('sha1', settings.apiSecret)
      .update(names.map((n) => fields.get(n) ?? '').join(''))
      .digest('hex');
    return Buffer.from(hex).toString('base64');
  };
  return {
    provider: 'zadarma',
    settings,
    fixtures,
    sign: (request) => {
      if (!('Signature' in request.headers)) return request;
      const headers = { ...request.headers, Signature: signature(new URLSearchParams(request.body)) };
      return { ...request, headers: makeHeaders(headers) };
    },
    emulator: async () => {
      const emulator = await startZadarmaEmulator({ ...settings, recordings, echoCheck: false });
      return { settings: { apiUrl: emulator.apiUrl }, close: () => emulator.close() };
    },
    call: { src: '100', dst: '+7 (916) 555-01-02' },
  };
}

/** ITooLabs pushes carry the CRM token in the form; the API address is a closed port until the emulator runs. */
function itoolabsKit(): ProviderKit {
  const settings = { apiKey: 'fixture-key', crmToken: 'fixture-crm-token', apiUrl: 'http://127.0.0.1:9' };
  return {
    provider: 'itoolabs',
    settings,
    fixtures: fixturesOf('itoolabs'),
    emulator: async () => {
      const emulator = await startItoolabsEmulator({ apiKey: settings.apiKey, crmToken: settings.crmToken });
      return { settings: { apiUrl: emulator.apiUrl }, close: () => emulator.close() };
    },
    call: { src: '701', dst: '+7 (916) 555-01-02' },
  };
}

const KITS: Record<string, () => ProviderKit> = {
  fake: fakeKit,
  'mango-office': mangoKit,
  zadarma: zadarmaKit,
  itoolabs: itoolabsKit,
};

export const PROVIDER_KITS = Object.keys(KITS);

export function providerKit(provider: string): ProviderKit | undefined {
  return KITS[provider]?.();
}
