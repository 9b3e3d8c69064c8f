/**
 * Kamailio end to end with real softphones: Switchboard's PBX profile (deploy/kamailio/kamailio.cfg) with
 * rtpengine recording, three baresip phones driven over their control sockets, and the real hub receiving
 * Kamailio's events on the connection's webhook URL. Anna is bound to 1001, Boris to 1002; 1003 plays the
 * client. Each phone sends its own tone, so a recording shows whose audio it carries.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestStore, type TestStore } from '../src/testing/databases.js';
import type { BaresipPhone } from '../src/testing/baresip.js';
import { listen, type TestServer } from '../src/testing/http-helpers.js';
import { startRealHub, type RealHub } from '../src/testing/real-hub.js';
import { describeWithSip, prepareSipOffice, type SipOffice } from '../src/testing/sip-office.js';
import { openEventStream } from '../src/testing/sse-client.js';
import { toneShare, wavChannel } from '../src/testing/tone.js';
import type { CallDetailsView } from '../src/runtime/call-view.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithSip('Kamailio with real softphones', () => {
  let test: TestStore;
  let real: RealHub;
  let office: SipOffice;
  let phones: Record<string, BaresipPhone>;
  let uri: (extension: string) => string;
  // Kamailio posts to the hub through this gate, which answers 503 while the hub is to look down.
  let gate: TestServer;
  let hubDown = false;
  const refused: string[] = [];

  beforeAll(async () => {
    test = await createTestStore('sqlite');
    real = await startRealHub(test.store);
    office = await prepareSipOffice([
      { extension: '1001', answer: 'manual', tone: 440 },
      { extension: '1002', answer: 'manual', tone: 1000 },
      { extension: '1003', answer: 'auto', tone: 700 },
    ]);
    const saved = await real.connect('kamailio', office.settings, { anna: '1001', boris: '1002' });
    gate = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (hubDown) {
          refused.push(body);
          res.writeHead(503).end();
          return;
        }
        const headers = {
          'Content-Type': 'application/json',
          'X-Switchboard-Secret': String(req.headers['x-switchboard-secret']),
        };
        fetch(saved.webhookUrl, { method: 'POST', headers, body })
          .then(async (answer) => res.writeHead(answer.status).end(await answer.text()))
          .catch(() => res.writeHead(502).end());
      });
    });
    await office.start(`${gate.url}/`);
    await office.waitRegistered();
    phones = office.phones;
    uri = (extension) => `sip:${extension}@127.0.0.1:${office.sipPort}`;
  }, 60_000);

  afterAll(async () => {
    await office?.stop();
    await gate?.close();
    await real?.close();
    await test?.dispose();
  }, 30_000);

  /** The call once the hub has its end (Kamailio posts from a 50 ms timer). */
  async function endedCall(
    match: (call: CallDetailsView) => boolean,
    what: string,
    waitMs = 10_000,
  ): Promise<CallDetailsView> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      for (const view of await real.calls('admin')) {
        if (view.status !== 'ended') continue;
        const details = await real.json<CallDetailsView>('admin', `/api/v1/calls/${view.id}`);
        if (match(details)) return details;
      }
      if (Date.now() > deadline) throw new Error(`The hub has no ended call ${what}`);
      await sleep(100);
    }
  }

  it('lists the extensions with their online state', async () => {
    const members = await real.json<Array<{ id: string; label: string }>>(
      'admin',
      `/api/v1/connections/${(await real.json<Array<{ id: string }>>('admin', '/api/v1/connections'))[0]!.id}/members`,
    );
    expect(members).toEqual([
      { id: '1001', label: 'Extension 1001 (online)' },
      { id: '1002', label: 'Extension 1002 (online)' },
      { id: '1003', label: 'Extension 1003 (online)' },
    ]);
  });

  it('1001 calls 1002, 1002 answers and hangs up: popup for Boris, owner, direction, duration, recording', async () => {
    const boris = await openEventStream(`${real.base}/api/v1/events`, real.tokens.boris);
    try {
      const a = phones['1001']!;
      const b = phones['1002']!;
      const fromA = a.events.length;
      const fromB = b.events.length;
      await a.command('dial', uri('1002'));
      const incoming = await b.waitCall('CALL_INCOMING', fromB);
      expect(await boris.next('call.ringing', 10_000)).toBeTruthy();
      await b.command('accept');
      await a.waitCall('CALL_ESTABLISHED', fromA);
      const answeredAt = Date.now();
      await sleep(3000);
      await b.command('hangup');
      await a.waitCall('CALL_CLOSED', fromA);
      const talked = (Date.now() - answeredAt) / 1000;
      const call = await endedCall((c) => c.externalId === incoming.id, `with Call-ID ${incoming.id}`);
      expect(call).toMatchObject({
        direction: 'in',
        clientNumber: '1001',
        disposition: 'answered',
        missed: false,
        hasRecording: true,
      });
      expect(call.ownerId).toBe(real.ids.boris);
      expect(Math.abs((call.duration ?? 0) - talked)).toBeLessThanOrEqual(1);

      const { url } = await real.json<{ url: string }>('boris', `/api/v1/calls/${call.id}/recording?format=json`);
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('audio/wav');
      const wav = Buffer.from(await response.arrayBuffer());
      // One channel per RTP stream: 1001 sends 440 Hz, 1002 sends 1000 Hz (which comes first varies).
      const channels = [wavChannel(wav, 0), wavChannel(wav, 1)];
      expect(channels[0]!.samples.length / channels[0]!.rate).toBeGreaterThan(2.5);
      // One second from inside the audio (a whole number of cycles of both tones, so no leakage).
      const second = (samples: Float64Array) => {
        const start = samples.findIndex((x) => x !== 0) + 1600;
        return samples.slice(start, start + 8000);
      };
      const share = (hz: number) => channels.map((c) => toneShare(second(c.samples), c.rate, hz));
      const at440 = share(440);
      const at1000 = share(1000);
      const caller = at440[0]! > at440[1]! ? 0 : 1;
      expect(at440[caller]).toBeGreaterThan(0.8);
      expect(at1000[caller]).toBeLessThan(0.05);
      expect(at1000[1 - caller]).toBeGreaterThan(0.8);
      const forged = new URL(url);
      forged.searchParams.set('sig', '0'.repeat(64));
      expect((await fetch(forged)).status).toBe(403);
    } finally {
      boris.close();
    }
  }, 40_000);

  it('a cancelled call, a rejected (busy) call and a call to an unregistered extension are missed calls', async () => {
    const a = phones['1001']!;
    const b = phones['1002']!;
    let fromA = a.events.length;
    let fromB = b.events.length;
    await a.command('dial', uri('1002'));
    const cancelled = await b.waitCall('CALL_INCOMING', fromB);
    await sleep(300);
    await a.command('hangup');
    await a.waitCall('CALL_CLOSED', fromA);
    expect(await endedCall((c) => c.externalId === cancelled.id, 'cancelled')).toMatchObject({
      disposition: 'cancel',
      missed: true,
      ownerId: real.ids.boris,
    });

    fromA = a.events.length;
    fromB = b.events.length;
    await a.command('dial', uri('1002'));
    const rejected = await b.waitCall('CALL_INCOMING', fromB);
    await b.command('hangup');
    await a.waitCall('CALL_CLOSED', fromA);
    expect(await endedCall((c) => c.externalId === rejected.id, 'rejected')).toMatchObject({
      disposition: 'busy',
      missed: true,
    });

    // Kamailio forgets 1002's registration: the softphone goes away without unregistering.
    const rpc = await fetch(`${office.controlUrl}/RPC`, {
      method: 'POST',
      headers: { 'X-Switchboard-Secret': String(office.settings.secret) },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'ul.rm', params: ['location', '1002'], id: 1 }),
    });
    expect(rpc.status).toBe(200);
    fromA = a.events.length;
    await a.command('dial', uri('1002'));
    const closed = await a.waitCall('CALL_CLOSED', fromA);
    expect(closed.param).toMatch(/480/);
    const unreachable = await endedCall((c) => c.externalId === closed.id, 'to the unregistered 1002');
    expect(unreachable).toMatchObject({ disposition: 'no_answer', missed: true });
  }, 40_000);

  it('a call Kamailio could not report while the hub was down reaches the hub once it is back, in order', async () => {
    const a = phones['1001']!;
    const fromA = a.events.length;
    hubDown = true;
    let callId = '';
    try {
      // 1003 answers by itself; 1002 is not registered any more (the test before removed it).
      await a.command('dial', uri('1003'));
      callId = (await a.waitCall('CALL_ESTABLISHED', fromA)).id ?? '';
      await sleep(1000);
      await a.command('hangup');
      await a.waitCall('CALL_CLOSED', fromA);
      // Kamailio keeps trying the first event it holds, and sends nothing after it meanwhile.
      await sleep(2500);
      expect(callId).not.toBe('');
      const tries = refused.filter((body) => body.includes(callId));
      expect(tries.length).toBeGreaterThan(1);
      expect(new Set(tries).size).toBe(1);
      expect((await real.calls('admin')).some((view) => view.externalId === callId)).toBe(false);
    } finally {
      hubDown = false;
    }
    // The next try comes after the doubled wait (at most 8 s into an outage this long).
    const call = await endedCall((c) => c.externalId === callId, 'reported after the outage', 30_000);
    expect(call).toMatchObject({ disposition: 'answered', missed: false, clientNumber: '1001' });
    expect(call.duration).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it("click-to-call as Anna rings 1001's softphone first, then 1003's; the call is linked to the request", async () => {
    const a = phones['1001']!;
    const c = phones['1003']!;
    const fromA = a.events.length;
    const fromC = c.events.length;
    const origination = await real.json<{ originationId: string; status: string }>('anna', '/api/v1/calls', {
      method: 'POST',
      body: JSON.stringify({ to: '1003' }),
    });
    const ringing = await a.waitCall('CALL_INCOMING', fromA);
    expect(ringing.peeruri).toMatch(/^sip:switchboard@/);
    expect(c.events.slice(fromC).some((e) => e.type === 'CALL_INCOMING')).toBe(false);
    await a.command('accept');
    await a.waitCall('TRANSFER', fromA);
    // 1003 answers by itself (answermode=auto): its first event is the established call, from 1001.
    const clientAnswers = await c.waitCall('CALL_ESTABLISHED', fromC);
    expect(clientAnswers.peeruri).toMatch(/^sip:1001@/);
    await sleep(1500);
    await c.command('hangup');
    const call = await endedCall((x) => x.direction === 'out' && x.clientNumber === '1003', 'placed by click-to-call');
    expect(call).toMatchObject({ disposition: 'answered', ownerId: real.ids.anna });
    expect(call.originationId).toBe(origination.originationId);
  }, 40_000);
});
