import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../contract/index.js';
import { runConnectorSuite } from '../../testing/connector-suite.js';
import { closedPort } from '../../testing/http-helpers.js';
import { memoryContext } from '../../testing/memory-context.js';
import { findConnector } from '../index.js';
import { kamailioConnector } from './index.js';
import { recordingLink, recordingSignature } from './kamailio-api.js';
import { kamailioRecordingHosts, parseExtensions, readKamailioSettings } from './kamailio-settings.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const SETTINGS = {
  controlUrl: 'http://127.0.0.1:15080',
  secret: 'fixture-secret-1234',
  recordingsUrl: 'http://127.0.0.1:15081',
};
const NEEDS_KAMAILIO = 'needs Kamailio itself: test/kamailio.e2e.test.ts drives it with real softphones';

runConnectorSuite({
  definition: kamailioConnector,
  settings: SETTINGS,
  fixtures: FIXTURES,
  skip: { testConnection: NEEDS_KAMAILIO, getMembers: NEEDS_KAMAILIO, generateCall: NEEDS_KAMAILIO },
});

describe('kamailio connector', () => {
  it('is registered', () => {
    expect(findConnector('kamailio')).toBe(kamailioConnector);
  });

  it('reads extensions as "extension=password" and refuses anything else with what to fix', () => {
    expect(parseExtensions('1001=alpha, 1002:beta\n1003=g-3')).toEqual({
      '1001': 'alpha',
      '1002': 'beta',
      '1003': 'g-3',
    });
    expect(() => parseExtensions('1001=has space')).toThrow(/extension=password/);
    expect(() => parseExtensions('anna=secret')).toThrow(/anna=…/);
    expect(() => readKamailioSettings({ secret: 'short' })).toThrow(ConnectorError);
    expect(readKamailioSettings({ secret: 'long-enough-secret', controlUrl: 'http://10.0.0.5:15080/' })).toMatchObject({
      controlUrl: 'http://10.0.0.5:15080',
      sipPort: 15060,
    });
  });

  it('declares the recordings host and the control host as recording hosts', () => {
    expect(
      kamailioRecordingHosts({ recordingsUrl: 'http://pbx.office.lan:15081', controlUrl: 'http://10.0.0.5:15080' }),
    ).toEqual(['pbx.office.lan', '10.0.0.5']);
  });

  it('signs recording links with the shared secret and an expiry an hour after the host clock', async () => {
    const now = new Date('2026-12-02T10:00:00Z');
    const { ctx } = memoryContext(SETTINGS);
    const module = kamailioConnector.create({ ...ctx, now: () => now });
    const link = await module.VoipGetCallLink({ sipCallId: 'abc@127.0.0.1', recorded: true });
    const expires = now.getTime() / 1000 + 3600;
    expect(link).toBe(recordingLink(SETTINGS.recordingsUrl, SETTINGS.secret, 'abc@127.0.0.1', expires));
    expect(link).toContain(`/recordings/abc%40127.0.0.1.wav?expires=${expires}&sig=`);
    expect(recordingSignature(SETTINGS.secret, 'abc@127.0.0.1', expires)).not.toBe(
      recordingSignature('another-secret-00', 'abc@127.0.0.1', expires),
    );
    await expect(module.VoipGetCallLink({ sipCallId: 'abc', recorded: false })).rejects.toThrow(/not recorded/);
  });

  it('refuses click-to-call to anything but an extension, before calling Kamailio', async () => {
    const module = kamailioConnector.create(memoryContext(SETTINGS).ctx);
    await expect(module.VoipGenerateCall('1001', '+7 916 555-01-02')).rejects.toThrow(/own extensions only/);
    await expect(module.VoipGenerateCall('anna', '1003')).rejects.toThrow(/your extension/);
  });

  it("says Kamailio is not running, passing on the host's reason, when the control API does not answer", async () => {
    const port = await closedPort();
    const module = kamailioConnector.create(memoryContext({ ...SETTINGS, controlUrl: `http://127.0.0.1:${port}` }).ctx);
    const result = await module.VoipTestConnection();
    expect(result.success).toBe(false);
    expect(result.failReason).toMatch(/switchboard pbx kamailio/);
  });
});
