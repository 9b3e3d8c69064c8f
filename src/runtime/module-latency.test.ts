import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS_MS, ModuleLatency } from './module-latency.js';

describe('ModuleLatency', () => {
  it('counts calls, failures and cumulative buckets per connection and function', () => {
    const latency = new ModuleLatency();
    const { observe } = latency;
    observe('b', 'VoipGetMembers', 7, true);
    observe('a', 'VoipTestConnection', 30, true);
    observe('a', 'VoipTestConnection', 12_000, false);
    observe('a', 'VoipTestConnection', 4, true);
    const [a, b] = latency.snapshot();
    expect(a).toMatchObject({
      connectionId: 'a',
      fn: 'VoipTestConnection',
      count: 3,
      failures: 1,
      totalMs: 12_034,
      maxMs: 12_000,
    });
    // 4 ms falls in every bucket, 30 ms from the 50 ms bucket on, 12 s in none.
    expect(a?.counts).toEqual(LATENCY_BUCKETS_MS.map((bound) => (bound >= 50 ? 2 : 1)));
    expect(b).toMatchObject({ connectionId: 'b', count: 1, failures: 0 });
    expect(b?.counts[0]).toBe(0);
    expect(b?.counts[1]).toBe(1);
  });

  it('hands out copies and forgets deleted connections', () => {
    const latency = new ModuleLatency();
    latency.observe('a', 'VoipGetMembers', 1, true);
    latency.observe('b', 'VoipGetMembers', 1, true);
    latency.snapshot()[0]!.counts[0] = 99;
    expect(latency.snapshot()[0]?.counts[0]).toBe(1);
    latency.forget('a');
    expect(latency.snapshot().map((stats) => stats.connectionId)).toEqual(['b']);
  });
});
