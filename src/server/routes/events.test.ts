import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterEach, expect, it, vi } from 'vitest';
import { sha256 } from '../../runtime/credentials.js';
import { describeEachDatabase } from '../../testing/databases.js';
import { createTestApp, type TestApp } from '../../testing/test-app.js';
import type { User } from '../../storage/index.js';
import { SESSION_COOKIE } from '../auth.js';
import { HEARTBEAT_MS } from './events.js';

interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

/** A minimal EventSource over node:http: collects events, waits for the next ones. */
class SseClient {
  readonly events: SseEvent[] = [];
  comments = 0;
  private waiters: Array<() => void> = [];
  private constructor(private readonly response: IncomingMessage) {
    let pending = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      pending += chunk;
      let end: number;
      while ((end = pending.indexOf('\n\n')) >= 0) {
        this.add(pending.slice(0, end));
        pending = pending.slice(end + 2);
      }
    });
  }

  static open(url: string, headers: Record<string, string>): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
        expect(response.statusCode).toBe(200);
        expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
        resolve(new SseClient(response));
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** Waits until `count` events (the snapshot included) have arrived. */
  async waitFor(count: number, timeoutMs = 3000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Waited for ${count} events, got ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events;
  }

  close(): void {
    this.response.destroy();
  }

  ended(): Promise<void> {
    return new Promise((resolve) => (this.response.complete ? resolve() : this.response.once('end', resolve)));
  }

  private add(block: string): void {
    const lines = block.split('\n').filter((line) => !line.startsWith(':'));
    if (lines.length === 0) {
      this.comments++;
      this.waiters.splice(0).forEach((wake) => wake());
      return;
    }
    const field = (name: string) => lines.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
    const id = field('id');
    this.events.push({
      ...(id ? { id } : {}),
      event: field('event') ?? 'message',
      data: JSON.parse(field('data') ?? 'null'),
    });
    this.waiters.splice(0).forEach((wake) => wake());
  }
}

describeEachDatabase('live events (SSE)', (getStore) => {
  let test: TestApp;
  let base: string;
  const clients: SseClient[] = [];
  afterEach(async () => {
    clients.splice(0).forEach((client) => client.close());
    await test?.app.close();
  });

  async function start() {
    test = await createTestApp(getStore());
    base = await test.app.listen({ port: 0, host: '127.0.0.1' });
  }
  async function connect(user: User, headers: Record<string, string> = {}) {
    const client = await SseClient.open(`${base}/api/v1/events`, { ...(await test.auth(user)), ...headers });
    clients.push(client);
    return client;
  }
  /** A signed fake-PBX webhook, posted over HTTP to the hook URL as the PBX would. */
  async function webhook(payload: Record<string, unknown>) {
    const signed = test.request(payload);
    const response = await fetch(`${base}${new URL(signed.url).pathname}`, {
      method: 'POST',
      headers: signed.headers as Record<string, string>,
      body: signed.body,
    });
    expect(response.status).toBe(200);
  }
  const ringing = (to: string, callId: string) => ({
    type: 'start',
    direction: 'in',
    from: '+74951234567',
    to,
    callId,
  });

  it('sends a snapshot of the user’s live calls first', async () => {
    await start();
    await webhook(ringing('101', 's1'));
    await webhook(ringing('102', 's2'));
    const [snapshot] = await (await connect(test.anna)).waitFor(1);
    expect(snapshot).toMatchObject({ event: 'snapshot', data: { calls: [{ externalId: 's1', status: 'ringing' }] } });
    expect(snapshot?.id).toBeUndefined();
  });

  it('delivers a ringing call to the bound agent only', async () => {
    await start();
    const anna = await connect(test.anna);
    const boris = await connect(test.boris);
    await anna.waitFor(1);
    await boris.waitFor(1);

    await webhook(ringing('101', 'c1'));
    const [, event] = await anna.waitFor(2);
    expect(event).toMatchObject({ event: 'call.ringing', data: { call: { externalId: 'c1', ownerId: test.anna.id } } });
    expect(Number(event?.id)).toBeGreaterThan(0);

    // Boris's next event is his own call: Anna's never reached him.
    await webhook(ringing('102', 'c2'));
    const [, borisEvent] = await boris.waitFor(2);
    expect(borisEvent).toMatchObject({ event: 'call.ringing', data: { call: { externalId: 'c2' } } });
    expect(anna.events).toHaveLength(2);
  });

  it('resumes from Last-Event-ID with what was missed, then goes on live, without duplicates', async () => {
    await start();
    const first = await connect(test.anna);
    await webhook(ringing('101', 'r1'));
    const [, seen] = await first.waitFor(2);
    first.close();

    await webhook({ type: 'answer', direction: 'in', from: '+74951234567', to: '101', callId: 'r1' });
    await webhook({
      type: 'end',
      direction: 'in',
      from: '+74951234567',
      to: '101',
      callId: 'r1',
      disposition: 'answered',
      duration: 5,
    });
    const missed = await test.hub.bus.replay(test.anna.id, Number(seen!.id));
    expect(missed.length).toBeGreaterThanOrEqual(2);

    const resumed = await connect(test.anna, { 'last-event-id': seen!.id! });
    const replayed = await resumed.waitFor(1 + missed.length);
    expect(replayed.slice(1).map((e) => [Number(e.id), e.event])).toEqual(missed.map((e) => [e.id, e.type]));

    await webhook(ringing('101', 'r2'));
    const all = await resumed.waitFor(2 + missed.length);
    expect(all.at(-1)).toMatchObject({ event: 'call.ringing', data: { call: { externalId: 'r2' } } });
    const ids = all.slice(1).map((e) => Number(e.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('loses nothing published while it replays, and sends nothing twice', async () => {
    await start();
    const first = await connect(test.anna);
    await webhook(ringing('101', 'g1'));
    const [, seen] = await first.waitFor(2);
    first.close();
    await webhook({
      type: 'end',
      direction: 'in',
      from: '+74951234567',
      to: '101',
      callId: 'g1',
      disposition: 'no_answer',
    });

    // Events published while the stream replays: one before the replay reads the log (it arrives
    // live and in the replay), one after (only live): each must arrive once, in order.
    const bus = test.hub.bus;
    const replay = bus.replay.bind(bus);
    bus.replay = async (userId, afterId, limit) => {
      bus.replay = replay;
      await bus.publish([{ userId, type: 'call.ringing', payload: { during: 'replay' } }]);
      const read = await replay(userId, afterId, limit);
      await bus.publish([{ userId, type: 'call.ringing', payload: { after: 'replay' } }]);
      return read;
    };
    const resumed = await connect(test.anna, { 'last-event-id': seen!.id! });
    const isLast = (e: SseEvent) => JSON.stringify(e.data) === JSON.stringify({ after: 'replay' });
    while (!resumed.events.some(isLast)) await resumed.waitFor(resumed.events.length + 1);
    // Time for a duplicate to show up, were one sent.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const logged = await replay(test.anna.id, Number(seen!.id));
    const events = resumed.events;
    expect(events.slice(1).map((e) => Number(e.id))).toEqual(logged.map((e) => e.id));
    expect(events.slice(-2).map((e) => e.data)).toEqual([{ during: 'replay' }, { after: 'replay' }]);
  });

  it('accepts the session cookie', async () => {
    await start();
    const cookie = 'cookie-value';
    await test.hub.store.sessions.createSession({
      id: sha256(cookie),
      user_id: test.anna.id,
      csrf_token: 'csrf',
      created_at: new Date().toISOString(),
      expires_at: new Date(Date.now() + 60_000).toISOString(),
    });
    const client = await SseClient.open(`${base}/api/v1/events`, { cookie: `${SESSION_COOKIE}=${cookie}` });
    clients.push(client);
    expect((await client.waitFor(1))[0]?.event).toBe('snapshot');
  });

  it('sends a comment as heartbeat every 25 seconds', async () => {
    await start();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const anna = await connect(test.anna);
      await anna.waitFor(1);
      vi.advanceTimersByTime(HEARTBEAT_MS - 1);
      vi.advanceTimersByTime(1);
      const deadline = Date.now() + 2000;
      while (anna.comments === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(anna.comments).toBe(1);
      expect(anna.events).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('ends open streams when the server closes', async () => {
    await start();
    const anna = await connect(test.anna);
    await anna.waitFor(1);
    await test.app.close();
    await anna.ended();
  });

  it('refuses an anonymous stream', async () => {
    await start();
    const response = await fetch(`${base}/api/v1/events`);
    expect(response.status).toBe(401);
  });
});
