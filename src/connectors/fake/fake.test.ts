import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeEmulator, type FakeEmulator } from '../../emulators/fake/fake-emulator.js';
import { HubError } from '../../runtime/errors.js';
import { ModuleRunner } from '../../runtime/module-runner.js';
import { runConnectorSuite } from '../../testing/connector-suite.js';
import { withHeader } from '../../testing/golden-fixtures.js';
import { closedPort } from '../../testing/http-helpers.js';
import { MemoryStorage } from '../../testing/memory-storage.js';
import { findConnector } from '../index.js';
import { fakeConnector } from './index.js';
import { parseMembers, readFakeSettings } from './fake-settings.js';
import { FAKE_SIGNATURE_HEADER, signFakeBody, verifyFakeSignature } from './fake-webhook.js';

const secret = 'fixture-secret';
const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));
const members = [
  { ext: '101', name: 'Anna' },
  { ext: '102', name: 'Boris' },
];
const sign = (request: Parameters<typeof withHeader>[0]) =>
  withHeader(request, FAKE_SIGNATURE_HEADER, signFakeBody(request.body ?? '', secret));

runConnectorSuite({
  definition: fakeConnector,
  settings: { secret, members: '101:Anna,102:Boris' },
  fixtures,
  sign,
  call: { src: '101', dst: '+442071838750' },
  label: 'members from settings',
});

runConnectorSuite({
  definition: fakeConnector,
  settings: { secret },
  fixtures,
  sign,
  call: { src: '102', dst: '+442071838750' },
  emulator: async () => {
    const emulator = await startFakeEmulator({ secret, members });
    return { settings: { apiUrl: emulator.url }, close: () => emulator.close() };
  },
  label: 'with the API emulator',
});

function runner(settings: Record<string, string>, storage = new MemoryStorage()) {
  return new ModuleRunner({
    connectionId: 'c-fake',
    definition: fakeConnector,
    settings,
    storage,
    logger: pino({ level: 'silent' }),
    webhookUrl: 'https://hub.example/hooks/t1',
    now: () => new Date('2026-02-01T09:30:00.000Z'),
    timeoutMs: 2000,
  });
}

describe('fake connector', () => {
  it('is in the registry under its id', () => {
    expect(findConnector('fake')).toBe(fakeConnector);
    expect(findConnector('nope')).toBeUndefined();
  });

  it.each([
    ['the right signature', signFakeBody('{"a":1}', secret), true],
    ['upper-case hex', signFakeBody('{"a":1}', secret).toUpperCase(), true],
    ['another secret', signFakeBody('{"a":1}', 'other'), false],
    ['another body', signFakeBody('{"a":2}', secret), false],
    ['a short value', 'abcd', false],
    ['not hex', 'z'.repeat(64), false],
    ['no header', undefined, false],
  ])('verifies %s', (_what, signature, valid) => {
    expect(verifyFakeSignature('{"a":1}', signature, secret)).toBe(valid);
  });

  it.each([
    [
      '101:Anna, 102:Boris',
      [
        { id: '101', label: 'Anna' },
        { id: '102', label: 'Boris' },
      ],
    ],
    ['103', [{ id: '103', label: '103' }]],
    [' , ', []],
  ])('reads members %j', (text, expected) => {
    expect(parseMembers(text)).toEqual(expected);
  });

  it.each([
    [':Anna', 'without a usable extension'],
    ['1 01:Anna', 'without a usable extension'],
    ['101:Anna,101:Boris', 'lists extension 101 twice'],
  ])('refuses members %j', (text, message) => {
    expect(() => parseMembers(text)).toThrow(message);
  });

  it('names the setting to fix', () => {
    expect(() => readFakeSettings({})).toThrow('The Webhook secret setting is empty');
    expect(() => readFakeSettings({ secret, apiUrl: 'ftp://x' })).toThrow(
      "The API URL 'ftp://x' is not an http(s) URL",
    );
    expect(readFakeSettings({ secret, apiUrl: 'http://127.0.0.1:9/' }).apiUrl).toBe('http://127.0.0.1:9');
  });

  it('fails the connection test with the failTest reason', async () => {
    expect(await runner({ secret, failTest: 'PBX on fire' }).testConnection()).toEqual({
      success: false,
      failReason: 'PBX on fire',
    });
  });

  it('reports bad settings as a failed test, not an error', async () => {
    expect(await runner({ secret: '' }).testConnection()).toEqual({
      success: false,
      failReason: 'The Webhook secret setting is empty: set it to the secret the fake PBX uses',
    });
  });

  it('records a call placed without an API, with the host clock', async () => {
    const storage = new MemoryStorage();
    await runner({ secret, members: '101:Anna' }, storage).generateCall('101', '+442071838750');
    expect(JSON.parse(storage.items.get('lastCall') ?? '')).toEqual({
      srcPhone: '101',
      dstPhone: '+442071838750',
      at: '2026-02-01T09:30:00.000Z',
    });
  });

  it('refuses a call from an extension it does not have', async () => {
    const error = await runner({ secret, members: '101:Anna' })
      .generateCall('999', '+1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect(error).toMatchObject({
      code: 'provider_error',
      message: 'Extension 999 is not on the fake PBX; it has 101',
    });
  });

  it('has no link for a call without a recording', async () => {
    await expect(runner({ secret }).getCallLink({})).rejects.toMatchObject({
      code: 'provider_error',
      message: 'This call has no recording on the fake PBX',
    });
  });

  it('reports an unreachable API in the connection test', async () => {
    const port = await closedPort();
    expect(await runner({ secret, apiUrl: `http://127.0.0.1:${port}` }).testConnection()).toEqual({
      success: false,
      failReason: `The provider at http://127.0.0.1:${port} did not answer: connection refused`,
    });
  });

  describe('against the emulator', () => {
    let emulator: FakeEmulator;
    beforeAll(async () => {
      emulator = await startFakeEmulator({ secret, members });
    });
    afterAll(() => emulator.close());

    it('lists members, places calls and registers the webhook URL', async () => {
      const storage = new MemoryStorage();
      const api = runner({ secret, apiUrl: `${emulator.url}/` }, storage);
      expect(await api.getMembers()).toEqual([
        { id: '101', label: 'Anna' },
        { id: '102', label: 'Boris' },
      ]);
      await api.generateCall('102', '+442071838750');
      expect(await api.onWebhookUpdated('https://hub.example/hooks/t2')).toEqual({ ran: true });
      expect(emulator.calls.at(-1)).toEqual({ from: '102', to: '+442071838750' });
      expect(emulator.subscriptions.at(-1)).toBe('https://hub.example/hooks/t2');
      expect(storage.items.get('webhookUrl')).toBe('https://hub.example/hooks/t2');
    });

    it('turns API refusals into messages for the admin', async () => {
      const wrong = runner({ secret: 'wrong', apiUrl: emulator.url });
      expect(await wrong.testConnection()).toEqual({
        success: false,
        failReason: 'The fake PBX rejected the secret: check the Webhook secret setting',
      });
      await expect(wrong.getMembers()).rejects.toMatchObject({ code: 'provider_error', details: { kind: 'auth' } });
      await expect(runner({ secret, apiUrl: emulator.url }).generateCall('999', '+1')).rejects.toMatchObject({
        code: 'provider_error',
        message: 'The fake PBX answered /calls with 404: {"error":"no extension 999"}',
      });
    });
  });
});
