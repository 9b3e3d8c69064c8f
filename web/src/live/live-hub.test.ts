import { afterEach, describe, expect, it } from 'vitest';
import { makeCall } from '../test-support/calls.js';
import { FakeLocks, createBus, createStreams, settle } from '../test-support/fake-tabs.js';
import { lockElection } from './election.js';
import { LiveHub } from './live-hub.js';

const ME = 'me';

/** One browser: tabs share a bus, a lock manager and the streams they open. */
function browser(userId = ME) {
  const bus = createBus();
  const locks = new FakeLocks();
  const streams = createStreams();
  const tabs: LiveHub[] = [];
  const open = () => {
    const hub = new LiveHub({
      userId,
      channel: bus.join(),
      elect: lockElection(locks, `switchboard-live:${userId}`),
      openStream: streams.open,
    });
    hub.start();
    tabs.push(hub);
    return hub;
  };
  return { open, streams, tabs };
}

let cleanup: Array<() => void> = [];
afterEach(() => {
  cleanup.forEach((fn) => fn());
  cleanup = [];
});

async function tabsOf(count: number) {
  const b = browser();
  const hubs = Array.from({ length: count }, () => b.open());
  cleanup.push(() => hubs.forEach((h) => h.stop()));
  await settle();
  return { ...b, hubs };
}

const popupIds = (hub: LiveHub) => hub.getState().calls.map((c) => `${c.call.id}:${c.phase}`);

describe('LiveHub across tabs', () => {
  it('opens one stream for all tabs, with the first tab leading', async () => {
    const { hubs, streams } = await tabsOf(3);
    expect(streams.opened).toHaveLength(1);
    expect(hubs.map((h) => h.isLeader)).toEqual([true, false, false]);
  });

  it('shows a ringing call in every tab', async () => {
    const { hubs, streams } = await tabsOf(3);
    streams.live()[0]!.event({ type: 'call.ringing', call: makeCall({ id: 'c1' }) });
    await settle();
    expect(hubs.map(popupIds)).toEqual([['c1:ringing'], ['c1:ringing'], ['c1:ringing']]);
  });

  it('turns the popup into talking everywhere when I answer, and closes it everywhere when another agent does', async () => {
    const { hubs, streams } = await tabsOf(2);
    const stream = streams.live()[0]!;
    stream.event({ type: 'call.ringing', call: makeCall({ id: 'mine' }) });
    stream.event({ type: 'call.ringing', call: makeCall({ id: 'theirs' }) });
    stream.event({
      type: 'call.answered',
      call: makeCall({ id: 'mine', status: 'talking' }),
      answeredBy: { userId: ME, name: 'Me' },
    });
    stream.event({
      type: 'call.answered',
      call: makeCall({ id: 'theirs', status: 'talking' }),
      answeredBy: { userId: 'anna', name: 'Anna' },
    });
    await settle();
    expect(hubs.map(popupIds)).toEqual([['mine:talking'], ['mine:talking']]);
  });

  it('a dismissal in one tab closes the popup in all tabs, and it stays closed', async () => {
    const { hubs, streams } = await tabsOf(3);
    const stream = streams.live()[0]!;
    stream.event({ type: 'call.ringing', call: makeCall({ id: 'c1' }) });
    await settle();
    hubs[2]!.dismiss('c1');
    await settle();
    expect(hubs.map(popupIds)).toEqual([[], [], []]);
    stream.event({ type: 'call.ringing', call: makeCall({ id: 'c1' }) });
    await settle();
    expect(hubs.map(popupIds)).toEqual([[], [], []]);
  });

  it('a tab opened later gets the live calls from the leader', async () => {
    const b = browser();
    const first = b.open();
    cleanup.push(() => b.tabs.forEach((t) => t.stop()));
    await settle();
    b.streams.live()[0]!.status('live');
    b.streams.live()[0]!.event({ type: 'call.ringing', call: makeCall({ id: 'c1' }) });
    await settle();
    const late = b.open();
    await settle();
    expect(first.isLeader).toBe(true);
    expect(late.isLeader).toBe(false);
    expect(popupIds(late)).toEqual(['c1:ringing']);
    expect(late.getStatus()).toBe('live');
    expect(b.streams.opened).toHaveLength(1);
  });

  it('when the leader tab closes, the next tab opens the stream and its snapshot restores the calls', async () => {
    const { hubs, streams } = await tabsOf(2);
    const [leader, follower] = hubs as [LiveHub, LiveHub];
    streams.live()[0]!.event({ type: 'call.ringing', call: makeCall({ id: 'c1' }) });
    await settle();
    leader.stop();
    await settle();
    expect(streams.opened[0]!.closed).toBe(true);
    expect(follower.isLeader).toBe(true);
    expect(streams.live()).toHaveLength(1);
    streams.live()[0]!.snapshot([makeCall({ id: 'c1', status: 'talking' }), makeCall({ id: 'c2' })]);
    expect(popupIds(follower)).toEqual(['c1:talking', 'c2:ringing']);
  });

  it('tells every tab about the stream status', async () => {
    const { hubs, streams } = await tabsOf(2);
    expect(hubs.map((h) => h.getStatus())).toEqual(['connecting', 'connecting']);
    streams.live()[0]!.status('live');
    await settle();
    expect(hubs.map((h) => h.getStatus())).toEqual(['live', 'live']);
    streams.live()[0]!.status('offline');
    await settle();
    expect(hubs.map((h) => h.getStatus())).toEqual(['offline', 'offline']);
  });

  it('runs event listeners once per event in every tab, so each tab refreshes its own lists', async () => {
    const { hubs, streams } = await tabsOf(2);
    const seen: string[][] = [[], []];
    hubs.forEach((hub, i) => hub.onEvent((e) => seen[i]!.push(e.type)));
    streams.live()[0]!.snapshot([]);
    streams.live()[0]!.event({ type: 'call.missed', call: makeCall({ id: 'c9', status: 'ended', missed: true }) });
    await settle();
    expect(seen).toEqual([
      ['snapshot', 'call.missed'],
      ['snapshot', 'call.missed'],
    ]);
  });

  it('notifies subscribers only when the state or status changes', async () => {
    const { hubs, streams } = await tabsOf(1);
    const calls: number[] = [];
    hubs[0]!.subscribe((state) => calls.push(state.calls.length));
    streams.live()[0]!.event({ type: 'call.ringing', call: makeCall({ id: 'c1' }) });
    streams.live()[0]!.event({ type: 'call.ended', call: makeCall({ id: 'c1', status: 'ended' }) });
    streams.live()[0]!.event({ type: 'call.ended', call: makeCall({ id: 'c1', status: 'ended' }) });
    expect(calls).toEqual([1, 0]);
  });
});
