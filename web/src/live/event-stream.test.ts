import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeCall } from '../test-support/calls.js';
import { eventSourceStream, parseLiveEvent, parseSnapshot, reconnectDelay } from './event-stream.js';
import type { StreamStatus } from './live-hub.js';

describe('parseSnapshot and parseLiveEvent', () => {
  const call = makeCall({ id: 'c1' });

  it('reads a snapshot and drops entries that are not calls', () => {
    expect(parseSnapshot(JSON.stringify({ calls: [call, { id: 5 }, null, { id: 'x', status: 'weird' }] }))).toEqual([
      call,
    ]);
  });

  it.each(['', 'not json', '{"calls": 3}', '[]'])('gives null for a malformed snapshot %j', (data) => {
    expect(parseSnapshot(data)).toBeNull();
  });

  it('reads an event with its SSE id and who answered', () => {
    const data = JSON.stringify({ call, answeredBy: { userId: 'u1', name: 'Anna' } });
    expect(parseLiveEvent('call.answered', data, '42')).toEqual({
      type: 'call.answered',
      id: '42',
      call,
      answeredBy: { userId: 'u1', name: 'Anna' },
    });
  });

  it('leaves out an absent or malformed answeredBy and an empty id', () => {
    expect(parseLiveEvent('call.ringing', JSON.stringify({ call, answeredBy: { name: 'x' } }), '')).toEqual({
      type: 'call.ringing',
      call,
    });
  });

  it.each(['{}', '{"call": {"id": "c1"}}', 'nope'])('gives null for event data %j', (data) => {
    expect(parseLiveEvent('call.ended', data)).toBeNull();
  });
});

describe('reconnectDelay', () => {
  it.each([
    [0, 1000],
    [1, 2000],
    [4, 16000],
    [5, 30000],
    [50, 30000],
  ])('attempt %i waits %i ms', (attempt, ms) => {
    expect(reconnectDelay(attempt)).toBe(ms);
  });
});

/** Enough of EventSource to drive the stream: listeners, readyState, and hooks for the test. */
class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static instances: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  private listeners = new Map<string, Array<(e: { data: string; lastEventId: string }) => void>>();

  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }
  addEventListener(type: string, fn: (e: { data: string; lastEventId: string }) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close() {
    this.closed = true;
    this.readyState = FakeEventSource.CLOSED;
  }
  emit(type: string, data: unknown, lastEventId = '') {
    for (const fn of this.listeners.get(type) ?? []) fn({ data: JSON.stringify(data), lastEventId });
  }
  open() {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.();
  }
  fail(readyState: number) {
    this.readyState = readyState;
    this.onerror?.();
  }
}

describe('eventSourceStream', () => {
  beforeEach(() => {
    FakeEventSource.instances = [];
    vi.stubGlobal('EventSource', FakeEventSource);
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  function start(onGiveUp?: () => void) {
    const statuses: StreamStatus[] = [];
    const events: string[] = [];
    const handle = eventSourceStream(
      '/api/v1/events',
      onGiveUp,
    )({
      snapshot: (calls) => events.push(`snapshot:${calls.length}`),
      event: (e) => events.push(`${e.type}:${e.call.id}:${e.id ?? ''}`),
      status: (s) => statuses.push(s),
    });
    return { handle, statuses, events, source: () => FakeEventSource.instances.at(-1)! };
  }

  it('passes on the snapshot and call events, and reports the connection state', () => {
    const { statuses, events, source } = start();
    source().open();
    source().emit('snapshot', { calls: [makeCall()] });
    source().emit('call.ringing', { call: makeCall({ id: 'c7' }) }, '12');
    source().emit('call.ringing', 'garbage');
    expect(events).toEqual(['snapshot:1', 'call.ringing:c7:12']);
    expect(statuses).toEqual(['connecting', 'live']);
  });

  it('lets EventSource retry by itself after a dropped connection', () => {
    const { statuses, source } = start();
    source().open();
    source().fail(FakeEventSource.CONNECTING);
    vi.advanceTimersByTime(60_000);
    expect(FakeEventSource.instances).toHaveLength(1);
    expect(statuses.at(-1)).toBe('connecting');
  });

  it('opens a new EventSource with back-off after the server refused, and says so', () => {
    const onGiveUp = vi.fn();
    const { statuses, source } = start(onGiveUp);
    source().fail(FakeEventSource.CLOSED);
    expect(statuses.at(-1)).toBe('offline');
    expect(onGiveUp).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(999);
    expect(FakeEventSource.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeEventSource.instances).toHaveLength(2);
    source().fail(FakeEventSource.CLOSED);
    vi.advanceTimersByTime(1999);
    expect(FakeEventSource.instances).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeEventSource.instances).toHaveLength(3);
    source().open();
    expect(statuses.at(-1)).toBe('live');
  });

  it('stops for good when closed, including a pending reconnect', () => {
    const { handle, source } = start();
    source().fail(FakeEventSource.CLOSED);
    handle.close();
    vi.advanceTimersByTime(60_000);
    expect(FakeEventSource.instances).toHaveLength(1);
    expect(FakeEventSource.instances[0]!.closed).toBe(true);
  });
});
