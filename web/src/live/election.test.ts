import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeLocks, createBus, settle } from '../test-support/fake-tabs.js';
import { heartbeatElection, lockElection, soloElection } from './election.js';
import type { ElectionMessage } from './election.js';

/** A tab's view of an election: whether it leads, and how often it was told. */
function candidate() {
  const tab = { leading: false, leads: 0, resigns: 0 };
  return {
    tab,
    callbacks: {
      lead() {
        tab.leading = true;
        tab.leads++;
      },
      resign() {
        tab.leading = false;
        tab.resigns++;
      },
    },
  };
}

describe('lockElection', () => {
  it('lets one tab lead and hands over to the next waiting tab when it leaves', async () => {
    const locks = new FakeLocks();
    const elect = lockElection(locks, 'l');
    const [a, b, c] = [candidate(), candidate(), candidate()];
    const leaveA = elect(a.callbacks);
    elect(b.callbacks);
    const leaveC = elect(c.callbacks);
    await settle();
    expect([a.tab.leading, b.tab.leading, c.tab.leading]).toEqual([true, false, false]);

    leaveC(); // c leaves while still waiting: it must never lead.
    leaveA();
    await settle();
    expect([b.tab.leading, c.tab.leads]).toEqual([true, 0]);
  });

  it('releases the lock when a tab leaves before its turn came, without leading', async () => {
    const locks = new FakeLocks();
    const elect = lockElection(locks, 'l');
    const a = candidate();
    const leave = elect(a.callbacks);
    leave();
    await settle();
    const b = candidate();
    elect(b.callbacks);
    await settle();
    expect(a.tab.leads).toBe(0);
    expect(b.tab.leading).toBe(true);
  });
});

describe('soloElection', () => {
  it('leads at once', () => {
    const a = candidate();
    soloElection(a.callbacks);
    expect(a.tab.leading).toBe(true);
  });
});

describe('heartbeatElection', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(ids: string[]) {
    const bus = createBus<ElectionMessage>();
    const tabs = ids.map((id) => {
      const c = candidate();
      const channel = bus.join();
      const stop = heartbeatElection({ channel, id, random: () => 0.5 })(c.callbacks);
      const tab = { id, ...c, channel, left: false, leave: () => {} };
      tab.leave = () => {
        tab.left = true;
        stop();
      };
      return tab;
    });
    const leaders = () => tabs.filter((t) => t.tab.leading && !t.left).map((t) => t.id);
    return { bus, tabs, leaders };
  }

  it('settles on exactly one leader when tabs start together', async () => {
    const { tabs, leaders } = setup(['c', 'a', 'b']);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(leaders()).toHaveLength(1);
    expect(tabs.reduce((n, t) => n + t.tab.leads, 0)).toBe(1);
    tabs.forEach((t) => t.leave());
  });

  it('a tab that starts while a leader exists never leads', async () => {
    const { bus, tabs, leaders } = setup(['b']);
    await vi.advanceTimersByTimeAsync(2_000);
    const late = candidate();
    const leave = heartbeatElection({ channel: bus.join(), id: 'a', random: () => 0.5 })(late.callbacks);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(leaders()).toEqual(['b']);
    expect(late.tab.leads).toBe(0);
    leave();
    tabs.forEach((t) => t.leave());
  });

  it('hands over within a second when the leader says goodbye', async () => {
    const { tabs, leaders } = setup(['a', 'b', 'c']);
    await vi.advanceTimersByTimeAsync(3_000);
    const [first] = leaders();
    tabs.find((t) => t.id === first)!.leave();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(leaders()).toHaveLength(1);
    expect(leaders()[0]).not.toBe(first);
    tabs.slice(1).forEach((t) => t.leave());
  });

  it('takes over after the timeout when the leader vanishes without a word', async () => {
    const { tabs, leaders } = setup(['a', 'b']);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(leaders()).toEqual(['a']);
    tabs[0]!.channel.close(); // the tab crashed: its beats no longer arrive
    await vi.advanceTimersByTimeAsync(1_500);
    expect(tabs[1]!.tab.leading).toBe(false);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(tabs[1]!.tab.leading).toBe(true);
    tabs.forEach((t) => t.leave());
  });

  it('makes the larger id resign when two leaders meet', async () => {
    const bus = createBus<ElectionMessage>();
    const b = candidate();
    const leaveB = heartbeatElection({ channel: bus.join(), id: 'b' })(b.callbacks);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(b.tab.leading).toBe(true);
    // A tab that could not hear b (e.g. across a reload) claims on its own channel, then joins.
    const a = candidate();
    const isolated = createBus<ElectionMessage>();
    const leaveA = heartbeatElection({ channel: isolated.join(), id: 'a' })(a.callbacks);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(a.tab.leading).toBe(true);
    // Bridge: a's beats now reach b.
    const bridge = bus.join();
    bridge.post({ t: 'beat', id: 'a' });
    await vi.advanceTimersByTimeAsync(0);
    expect(b.tab.leading).toBe(false);
    expect(b.tab.resigns).toBe(1);
    leaveA();
    leaveB();
  });

  it('stops beating after leaving', async () => {
    const { bus, tabs } = setup(['a']);
    await vi.advanceTimersByTimeAsync(2_000);
    const heard: ElectionMessage[] = [];
    bus.join().subscribe((m) => heard.push(m));
    tabs[0]!.leave();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(heard).toEqual([{ t: 'bye', id: 'a' }]);
  });
});
