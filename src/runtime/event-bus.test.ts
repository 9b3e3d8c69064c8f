import { describe, expect, it } from 'vitest';
import { createEventBus, createMemoryEventLog, type DeliveredEvent } from './event-bus.js';

const clock = () => new Date('2026-11-24T10:00:00.000Z');

describe('in-process event bus', () => {
  it('delivers each event only to the subscribers of its user', async () => {
    const bus = createEventBus(createMemoryEventLog(), { now: clock });
    const anna: DeliveredEvent[] = [];
    const boris: DeliveredEvent[] = [];
    bus.subscribe('anna', (event) => anna.push(event));
    bus.subscribe('boris', (event) => boris.push(event));

    await bus.publish([
      { userId: 'anna', type: 'call.ringing', payload: { callId: 'c1' } },
      { userId: 'anna', type: 'call.answered', payload: { callId: 'c1' } },
    ]);

    expect(anna.map((event) => [event.id, event.type])).toEqual([
      [1, 'call.ringing'],
      [2, 'call.answered'],
    ]);
    expect(anna[0]?.createdAt).toBe('2026-11-24T10:00:00.000Z');
    expect(boris).toEqual([]);
  });

  it('stops delivering after unsubscribe and keeps other tabs subscribed', async () => {
    const bus = createEventBus(createMemoryEventLog(), { now: clock });
    const first: string[] = [];
    const second: string[] = [];
    const stop = bus.subscribe('anna', (event) => first.push(event.type));
    bus.subscribe('anna', (event) => second.push(event.type));

    await bus.publish([{ userId: 'anna', type: 'call.ringing', payload: {} }]);
    stop();
    await bus.publish([{ userId: 'anna', type: 'call.ended', payload: {} }]);

    expect(first).toEqual(['call.ringing']);
    expect(second).toEqual(['call.ringing', 'call.ended']);
  });

  it('replays what a user missed after a given event id', async () => {
    const bus = createEventBus(createMemoryEventLog(), { now: clock });
    await bus.publish([
      { userId: 'anna', type: 'call.ringing', payload: { n: 1 } },
      { userId: 'boris', type: 'call.ringing', payload: { n: 2 } },
      { userId: 'anna', type: 'call.missed', payload: { n: 3 } },
    ]);

    const missed = await bus.replay('anna', 1);
    expect(missed.map((event) => event.payload)).toEqual([{ n: 3 }]);
    expect(await bus.replay('anna', 0, 1)).toHaveLength(1);
  });
});
