import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAsteriskAmiEmulator, type AsteriskAmiEmulator } from '../../emulators/asterisk/asterisk-ami-emulator.js';
import { startAsteriskAriEmulator } from '../../emulators/asterisk/asterisk-ari-emulator.js';
import { runConnectorSuite } from '../../testing/connector-suite.js';
import { toFetchRequest } from '../../testing/golden-fixtures.js';
import { memoryContext } from '../../testing/memory-context.js';
import { findConnector } from '../index.js';
import { AmiFramer, amiTime, parseAmiMessage } from './asterisk-ami-protocol.js';
import { agentOf } from './asterisk-ami-events.js';
import { AMI_EVENT_PATH, asteriskConnector, recordingUrl } from './index.js';
import { ConnectorError } from '../../contract/index.js';
import { readAsteriskSettings } from './asterisk-settings.js';

const USER = 'suite';
const SECRET = 'suite-secret';
const SETTINGS = {
  host: '127.0.0.1',
  port: 5038,
  user: USER,
  secret: SECRET,
  recordUrlTemplate: 'https://pbx.example/monitor/{year}/{month}/{day}/{uniqueid}.wav',
};

runConnectorSuite({
  definition: asteriskConnector,
  settings: SETTINGS,
  fixtures: fileURLToPath(new URL('./fixtures', import.meta.url)),
  call: { src: '101', dst: '+7 916 555-01-02' },
  emulator: async () => {
    const emulator = await startAsteriskAmiEmulator({ users: { [USER]: SECRET } });
    return { settings: { host: emulator.host, port: emulator.port }, close: () => emulator.close() };
  },
});

runConnectorSuite({
  definition: asteriskConnector,
  label: 'ARI',
  settings: { ...SETTINGS, mode: 'ari', port: 8088 },
  fixtures: fileURLToPath(new URL('./fixtures-ari', import.meta.url)),
  call: { src: '101', dst: '+7 916 555-01-02' },
  emulator: async () => {
    const emulator = await startAsteriskAriEmulator({ users: { [USER]: SECRET } });
    return { settings: { host: emulator.host, port: emulator.port }, close: () => emulator.close() };
  },
});

it('is in the registry under its id', () => {
  expect(findConnector('asterisk')).toBe(asteriskConnector);
});

describe('the AMI wire format', () => {
  it('splits the greeting from the messages, across chunk boundaries', () => {
    const framer = new AmiFramer();
    expect(framer.push('Asterisk Call Manager/9.0.0\r\nResponse: Succ')).toEqual({
      greeting: 'Asterisk Call Manager/9.0.0',
      messages: [],
    });
    expect(framer.push('ess\r\nPing: Pong\r\n\r\nEvent: A\r\n\r\n').messages).toEqual([
      'Response: Success\r\nPing: Pong\r\n',
      'Event: A\r\n',
    ]);
  });

  it('reads keys case-insensitively, keeps the first of repeated keys and reads channel variables', () => {
    const message = parseAmiMessage(
      'Event: Newchannel\r\nUNIQUEID: 1.2\r\nUniqueid: 9\r\nChanVariable: SWITCHBOARD_ORIGINATION=abc=1\r\nChanVariable(PJSIP/101-00000001): OLD=x\r\n',
    );
    expect(message).toMatchObject({
      event: 'Newchannel',
      uniqueid: '1.2',
      'var:switchboard_origination': 'abc=1',
      'var:old': 'x',
    });
    expect(parseAmiMessage('not ami')).toBeUndefined();
    expect(parseAmiMessage('')).toBeUndefined();
  });

  it('reads Timestamp as ISO time with milliseconds', () => {
    expect(amiTime('1700000000.123456')).toBe('2023-11-14T22:13:20.123Z');
    expect(amiTime('soon')).toBeUndefined();
  });

  it("tells agents' channels from trunks and Local channels", () => {
    expect(agentOf('PJSIP/101-0000000a', 'PJSIP')).toBe('101');
    expect(agentOf('SIP/101-0000000a', 'PJSIP')).toBeUndefined();
    expect(agentOf('PJSIP/provider-0000000a', 'PJSIP')).toBeUndefined();
    expect(agentOf('Local/101@from-internal-00000001;1', 'PJSIP')).toBeUndefined();
  });
});

describe('settings', () => {
  it('refuses missing or broken settings with what to fix', () => {
    expect(() => readAsteriskSettings({ ...SETTINGS, host: '' })).toThrow(/address/);
    expect(() => readAsteriskSettings({ ...SETTINGS, secret: '' })).toThrow(/manager\.conf/);
    expect(() => readAsteriskSettings({ ...SETTINGS, port: 70000 })).toThrow(/port/);
    expect(() => readAsteriskSettings({ ...SETTINGS, technology: 'IAX2' })).toThrow(/PJSIP or SIP/);
    expect(() => readAsteriskSettings({ ...SETTINGS, recordUrlTemplate: 'ftp://x/{uniqueid}' })).toThrow(/http/);
  });

  it('fills the recording URL template', () => {
    expect(
      recordingUrl(
        'http://pbx/{year}-{month}-{day}/{linkedid}/{uniqueid}.wav?{other}',
        '1700000000.1',
        '1700000000.2',
        undefined,
      ),
    ).toBe('http://pbx/2023-11-14/1700000000.1/1700000000.2.wav?{other}');
  });
});

describe('against the AMI emulator', () => {
  let emulator: AsteriskAmiEmulator;
  beforeAll(async () => {
    emulator = await startAsteriskAmiEmulator({
      users: { [USER]: SECRET },
      originate: { '102': 'no-answer' },
      stepMs: 0,
    });
  });
  afterAll(async () => emulator.close());
  const module = (settings: Record<string, string | number> = {}) =>
    asteriskConnector.create(memoryContext({ ...SETTINGS, host: emulator.host, port: emulator.port, ...settings }).ctx);

  it('logs in with the MD5 challenge: the secret never crosses the wire', async () => {
    expect(await module().VoipTestConnection()).toEqual({ success: true });
    const challenge = emulator.actions.find((action) => action.action === 'Challenge');
    const login = emulator.actions.find((action) => action.action === 'Login');
    expect(challenge?.fields.authtype).toBe('MD5');
    expect(login?.fields).toMatchObject({ username: USER, authtype: 'MD5', events: 'off' });
    expect(login?.fields.key).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(emulator.actions)).not.toContain(SECRET);
  });

  it('reports a wrong secret, a closed port and a server that is not AMI in words', async () => {
    expect((await module({ secret: 'nope' }).VoipTestConnection()).failReason).toMatch(
      /refused the login.*manager\.conf/,
    );
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect((await module({ port }).VoipTestConnection()).failReason).toMatch(/connection refused.*enabled = yes/);
    const http = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const result = await module({ port: (http.address() as AddressInfo).port }).VoipTestConnection();
    await new Promise((resolve) => http.close(resolve));
    expect(result.failReason).toMatch(/not an Asterisk Manager Interface/);
  });

  it('turns an OriginateResponse failure into a readable click-to-call result', async () => {
    const memory = memoryContext({ ...SETTINGS, host: emulator.host, port: emulator.port });
    const connector = asteriskConnector.create(memory.ctx);
    await connector.VoipGenerateCall('102', '+79165550102');
    const originate = emulator.actions.filter((action) => action.action === 'Originate').at(-1)!;
    expect(originate.fields).toMatchObject({ channel: 'PJSIP/102', exten: '+79165550102', async: 'true' });
    const actionId = originate.fields.actionid!;
    const response = [
      'Event: OriginateResponse',
      `ActionID: ${actionId}`,
      'Response: Failure',
      'Channel: PJSIP/102',
      'Reason: 3',
      'Uniqueid: <null>',
      '',
    ].join('\r\n');
    const request = toFetchRequest(
      { method: 'POST', path: AMI_EVENT_PATH, headers: { 'Content-Type': 'text/plain' }, body: response },
      'http://hub.test/hooks/x/y',
    );
    expect(await connector.VoipParseWebhookRequest(request)).toEqual({
      generateCallResult: {
        srcPhone: '102',
        dstPhone: '+79165550102',
        success: false,
        failReason: '102 did not answer.',
      },
    });
    // Answered once: a repeat names no request.
    expect(await connector.VoipParseWebhookRequest(request)).toEqual({});
  });
});

describe('stored recordings over ARI', () => {
  it('fetches the file with Basic auth, says when it is gone, and leaves template links to VoipGetCallLink', async () => {
    const emulator = await startAsteriskAriEmulator({ users: { [USER]: SECRET }, stepMs: 0 });
    try {
      const played = await emulator.playScenario({ name: 'recorded' });
      const settings = { ...SETTINGS, mode: 'ari', host: emulator.host, port: emulator.port, recordUrlTemplate: '' };
      const fetchRecording = (data: unknown, values: Record<string, string | number> = settings) =>
        asteriskConnector.fetchRecording!(memoryContext(values).ctx, data);
      const data = { linkedid: played.linkedid, uniqueid: played.linkedid, stored: played.recordings[0] };

      const audio = await fetchRecording(data);
      expect(audio).toMatchObject({ contentType: 'audio/wav', contentLength: expect.any(Number) });
      const bytes = Buffer.from(await new Response(audio!.body).arrayBuffer());
      expect(bytes.length).toBe(audio!.contentLength);
      expect(bytes.subarray(0, 4).toString()).toBe('RIFF');

      await expect(fetchRecording({ ...data, stored: 'switchboard-gone' })).rejects.toThrow(/no stored recording/);
      await expect(fetchRecording(data, { ...settings, secret: 'wrong' })).rejects.toSatisfy(
        (error) => error instanceof ConnectorError && error.kind === 'auth',
      );
      // MixMonitor files on a web server, AMI mode and calls without a stored recording are links, not audio.
      expect(
        await fetchRecording(data, { ...settings, recordUrlTemplate: SETTINGS.recordUrlTemplate }),
      ).toBeUndefined();
      expect(await fetchRecording(data, { ...settings, mode: 'ami' })).toBeUndefined();
      expect(await fetchRecording({ linkedid: played.linkedid, uniqueid: played.linkedid })).toBeUndefined();
    } finally {
      await emulator.close();
    }
  });
});

describe('chan_sip peers as members', () => {
  it('counts OK and LAGGED peers online, and without qualify the registered ones (those with an address)', async () => {
    const staff = [
      { extension: '101' },
      { extension: '102', state: 'LAGGED (620 ms)' },
      { extension: '103', state: 'Unavailable' },
    ];
    const labels = async (qualify: boolean) => {
      const emulator = await startAsteriskAmiEmulator({ users: { [USER]: SECRET }, technology: 'SIP', staff, qualify });
      try {
        const settings = { ...SETTINGS, host: emulator.host, port: emulator.port, technology: 'SIP' };
        return (await asteriskConnector.create(memoryContext(settings).ctx).VoipGetMembers()).map((m) => m.label);
      } finally {
        await emulator.close();
      }
    };
    // The trunk peer ("provider") is listed by SIPpeers too, and left out.
    expect(await labels(true)).toEqual([
      'Extension 101 (online: OK (5 ms))',
      'Extension 102 (online: LAGGED (620 ms))',
      'Extension 103 (offline: UNREACHABLE)',
    ]);
    expect(await labels(false)).toEqual([
      'Extension 101 (online: Unmonitored)',
      'Extension 102 (online: Unmonitored)',
      'Extension 103 (offline: Unmonitored)',
    ]);
  });
});
