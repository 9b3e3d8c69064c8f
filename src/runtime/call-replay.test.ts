import { describe, expect, it } from 'vitest';
import { VoipCallDirection, VoipCallDisposition, VoipWebhookEvent } from '../contract/index.js';
import { MAX_REPLAYED_INPUTS, replayCall, type CallHistory } from './call-replay.js';
import { trackCall, type CallNotice, type TrackerInput } from './call-tracker.js';
import { resolveParties } from './user-resolution.js';

const { Answered, Cancel, Unknown } = VoipCallDisposition;
const { NotifyStart, NotifyAnswer, NotifyEnd } = VoipWebhookEvent;
const CLIENT = '+74951234567';
const BINDINGS = new Map([
  ['101', 'anna'],
  ['102', 'boris'],
  ['103', 'olga'],
]);
const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const iso = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

/** An incoming event for `ext`, happening `second`s into the call by the provider's clock (none when null). */
function event(kind: VoipWebhookEvent, ext: string, second: number | null, disposition = Unknown): TrackerInput {
  const numbers = { direction: VoipCallDirection.In, srcPhone: CLIENT, dstPhone: ext };
  const occurredAt = second === null ? {} : { occurredAt: iso(second) };
  return {
    kind: 'event',
    event: { event: kind, ...numbers, disposition, callId: 'c1', ...occurredAt },
    parties: resolveParties(numbers, BINDINGS),
    at: second === null ? iso(0) : iso(second),
  };
}
function record(ext: string, duration: number): TrackerInput {
  const numbers = { direction: VoipCallDirection.In, srcPhone: CLIENT, dstPhone: ext };
  return {
    kind: 'record',
    record: { ...numbers, disposition: Answered, duration, call: null, callId: 'c1' },
    parties: resolveParties(numbers, BINDINGS),
    at: iso(100),
  };
}

/**
 * Delivers `inputs` in this order as the applier does: replay on what is stored, store the result with
 * what was told (or, with `carryTold` false, as inputs stored before that was kept).
 */
function deliver(inputs: TrackerInput[], carryTold = true) {
  let next = 0;
  const deps = { newId: () => `id-${++next}`, connectionId: 'conn' };
  let history: CallHistory | undefined;
  const told: Array<{ type: string; user: string; status: string }> = [];
  for (const input of inputs) {
    const result = replayCall(history, input, deps);
    history = {
      snapshot: result.snapshot,
      inputs: [...(history?.inputs ?? []), input],
      ...(carryTold ? { told: result.told } : {}),
    };
    for (const notice of result.notices) {
      for (const user of targets(notice)) told.push({ type: notice.type, user, status: result.snapshot.call.status });
    }
  }
  return {
    ...history!.snapshot,
    told,
    heard: (user: string) => told.filter((t) => t.user === user).map((t) => t.type),
  };
}

function targets(notice: CallNotice): string[] {
  return [...notice.userIds, ...(notice.toAdmins ? ['admins'] : [])];
}

/** Every order of `items` (Heap's algorithm). */
function permutations<T>(items: T[]): T[][] {
  const out: T[][] = [];
  const a = [...items];
  const c = a.map(() => 0);
  out.push([...a]);
  for (let i = 1; i < a.length;) {
    if (c[i]! < i) {
      const j = i % 2 === 0 ? 0 : c[i]!;
      [a[j], a[i]] = [a[i]!, a[j]!];
      out.push([...a]);
      c[i]!++;
      i = 1;
    } else c[i++] = 0;
  }
  return out;
}

// Olga and Anna are rung together; Anna picks up at 9 s and Olga's phone stops; the client hangs up at 70 s.
const GROUP = [
  event(NotifyStart, '103', 4),
  event(NotifyStart, '101', 4),
  event(NotifyAnswer, '101', 9),
  event(NotifyEnd, '103', 9, Cancel),
  event(NotifyEnd, '101', 70, Answered),
];

describe('replayCall', () => {
  it('comes to the same call whatever order a timed group call arrives in', () => {
    const inOrder = deliver([...GROUP, record('101', 61)]);
    expect(inOrder.call).toMatchObject({ status: 'ended', owner_id: 'anna', disposition: Answered, missed: 0 });
    expect(inOrder.call.answered_at).toBe(iso(9));
    expect(inOrder.call.ended_at).toBe(iso(70));
    expect(inOrder.legs.map((leg) => [leg.extension, leg.outcome])).toEqual([
      ['103', 'answered_elsewhere'],
      ['101', 'answered'],
    ]);
    expect(inOrder.heard('anna')).toEqual(['call.ringing', 'call.answered', 'call.ended', 'call.recorded']);

    for (const order of permutations(GROUP)) {
      const shuffled = deliver([...order, record('101', 61)]);
      const label = order.map((i) => `${i.kind === 'event' ? i.event.event : 'record'}:${i.parties.agentExtension}`);
      expect(shuffled.call, label.join(' ')).toMatchObject({
        status: 'ended',
        owner_id: 'anna',
        disposition: Answered,
      });
      expect(shuffled.call.missed, label.join(' ')).toBe(0);
      expect(shuffled.legs.map((leg) => leg.extension).sort()).toEqual(['101', '103']);
      for (const user of ['anna', 'olga']) {
        expect(
          shuffled.heard(user).filter((type) => type === 'call.ended'),
          `${user} ${label.join(' ')}`,
        ).toHaveLength(1);
      }
      // A call that has ended pops no popup, however late its ringing arrives.
      expect(shuffled.told.filter((t) => t.type === 'call.ringing' && t.status === 'ended')).toEqual([]);
    }
  });

  it('tells the same whether what was told is kept with the inputs or worked out again from them', () => {
    for (const order of permutations([...GROUP, record('101', 61)])) {
      expect(deliver(order).told).toEqual(deliver(order, false).told);
    }
  });

  it('takes inputs in arrival order past the cap, so a flood of one call stays cheap', () => {
    const flood = Array.from({ length: MAX_REPLAYED_INPUTS + 50 }, (_, n) => event(NotifyStart, '101', n));
    const started = performance.now();
    const call = deliver([...flood, event(NotifyEnd, '101', 1, Cancel)]);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(call.call.status).toBe('ended');
    expect(call.heard('anna').filter((type) => type === 'call.ringing')).toEqual(['call.ringing']);
  });

  it('goes on with a leg first reported after the other legs ended, when the provider dates it later', () => {
    // Anna's start and answer never come: the connector dropped them as stale behind her end.
    const partial = [
      event(NotifyStart, '103', 4),
      event(NotifyEnd, '103', 9, Cancel),
      event(NotifyEnd, '101', 70, Answered),
    ];
    for (const order of permutations(partial)) {
      const result = deliver(order);
      expect(result.call).toMatchObject({ status: 'ended', owner_id: 'anna', disposition: Answered, missed: 0 });
      expect(result.call.ended_at).toBe(iso(70));
      expect(result.heard('anna').filter((type) => type === 'call.ended')).toHaveLength(1);
    }
  });

  it('gives a transferred call to the agent who answered last by the provider clock, not by arrival', () => {
    const inputs = [
      event(NotifyStart, '101', 1),
      event(NotifyAnswer, '101', 6),
      event(NotifyStart, '102', 31),
      event(NotifyAnswer, '102', 38),
      event(NotifyEnd, '101', 33, Answered),
      event(NotifyEnd, '102', 98, Answered),
    ];
    for (const order of permutations(inputs)) {
      const { call } = deliver(order);
      expect(call.owner_id).toBe('boris');
      expect(call.status).toBe('ended');
    }
  });

  it('without provider times, folds in arrival order exactly as the tracker does step by step', () => {
    const untimed = [
      event(NotifyStart, '101', null),
      event(NotifyEnd, '101', null, Cancel),
      event(NotifyStart, '102', null),
      event(NotifyAnswer, '102', null),
    ];
    let snapshot;
    for (const input of untimed)
      snapshot = trackCall(snapshot, input, { newId: () => 'x', connectionId: 'conn' }).snapshot;
    const replayed = deliver(untimed);
    // The first leg's end ended the call; a later start for another agent cannot reopen it.
    expect(replayed.call.status).toBe('ended');
    expect(replayed.call).toMatchObject({ ...snapshot!.call, id: replayed.call.id });
    expect(replayed.heard('boris')).toEqual([]);
  });

  it('keeps the stored ids of the call and its legs', () => {
    const first = replayCall(undefined, GROUP[0]!, { newId: () => 'first', connectionId: 'conn' });
    const stored = { ...first.snapshot, call: { ...first.snapshot.call, contact_id: 'contact-1' } };
    let n = 0;
    const next = replayCall({ snapshot: stored, inputs: [GROUP[0]!] }, GROUP[1]!, {
      newId: () => `new-${++n}`,
      connectionId: 'conn',
    });
    expect(next.snapshot.call.id).toBe('first');
    expect(next.snapshot.call.contact_id).toBe('contact-1');
    const ids = new Map(next.snapshot.legs.map((leg) => [leg.extension, leg.id]));
    expect(ids.get('103')).toBe('first');
    expect(ids.get('101')).toMatch(/^new-/);
    expect(next.snapshot.legs.every((leg) => leg.call_id === 'first')).toBe(true);
    expect(next.timeline.map((entry) => entry.kind)).toEqual(['event.start']);
  });
});
