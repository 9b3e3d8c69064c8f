import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRecordingServer, type RecordingServer } from '../../cli/kamailio-recordings.js';
import { loadFixtures } from '../../testing/golden-fixtures.js';
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

/** The recordings server of `switchboard pbx kamailio` over a folder holding a pcap for each recorded fixture. */
async function recordingsFor(sipCallIds: string[], now?: () => number): Promise<RecordingServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kamailio-recordings-'));
  mkdirSync(join(dir, 'pcaps'));
  // An empty capture (the global header only) is a valid pcap: the link check needs the file, not audio.
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt32LE(1, 20);
  for (const id of sipCallIds) writeFileSync(join(dir, 'pcaps', `${id}-0f3a.pcap`), header);
  const server = await startRecordingServer({
    host: '127.0.0.1',
    port: await closedPort(),
    secret: SETTINGS.secret,
    ...(now ? { now } : {}),
    recordingDir: dir,
  });
  return {
    ...server,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const recordedFixtures = loadFixtures(FIXTURES).flatMap((fixture) => {
  const call = fixture.expect.callRecord?.call as { sipCallId?: string; recorded?: boolean } | undefined;
  return call?.recorded && call.sipCallId ? [call.sipCallId] : [];
});

runConnectorSuite({
  definition: kamailioConnector,
  settings: SETTINGS,
  fixtures: FIXTURES,
  skip: { testConnection: NEEDS_KAMAILIO, getMembers: NEEDS_KAMAILIO, generateCall: NEEDS_KAMAILIO },
  emulator: async () => {
    // The suite runs the module on a clock of its own, not today's: the server takes its links as fresh.
    const server = await recordingsFor(recordedFixtures, () => 0);
    return { settings: { recordingsUrl: server.url }, close: () => server.close() };
  },
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

  it('answers 400 to an event name that is not text, even one JSON cannot turn into a string', async () => {
    const { ctx } = memoryContext(SETTINGS);
    const module = kamailioConnector.create(ctx);
    const body = JSON.stringify({
      event: { toString: null },
      callId: 'c1@127.0.0.1',
      from: '1001',
      to: '1003',
      time: '1796230001.144021',
    });
    const result = await module.VoipParseWebhookRequest({
      method: 'POST',
      url: 'https://switchboard.example/hooks/t',
      path: '/',
      query: {},
      headers: { 'Content-Type': 'application/json', 'X-Switchboard-Secret': SETTINGS.secret },
      body,
    });
    expect(result.event).toBeUndefined();
    expect(result.response?.statusCode).toBe(400);
    expect(String(result.response?.body)).toContain('Unknown event {\\"toString\\":null}');
  });

  it('signs recording links with the shared secret and an expiry an hour after the host clock', async () => {
    const server = await recordingsFor(['abc@127.0.0.1']);
    const now = new Date();
    const { ctx } = memoryContext({ ...SETTINGS, recordingsUrl: server.url });
    const module = kamailioConnector.create({ ...ctx, now: () => now });
    const link = await module.VoipGetCallLink({ sipCallId: 'abc@127.0.0.1', recorded: true });
    const expires = Math.floor(now.getTime() / 1000) + 3600;
    expect(link).toBe(recordingLink(server.url, SETTINGS.secret, 'abc@127.0.0.1', expires));
    const wav = await fetch(link);
    expect(wav.status).toBe(200);
    expect(wav.headers.get('content-type')).toBe('audio/wav');
    await expect(module.VoipGetCallLink({ sipCallId: 'other', recorded: true })).rejects.toThrow(/no recording/);
    const tampered = new URL(link);
    tampered.searchParams.set('expires', String(expires + 1));
    expect((await fetch(tampered)).status).toBe(403);
    await server.close();
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
