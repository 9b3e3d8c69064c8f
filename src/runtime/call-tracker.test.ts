import { describe, expect, it } from 'vitest';
import { VoipCallDirection, VoipCallDisposition, VoipWebhookEvent } from '../contract/index.js';
import type { VoipCallRecord, VoipWebhookRequest } from '../contract/index.js';
import { callLookup, RECORD_MATCH_WINDOW_SECONDS } from './call-lookup.js';
import { trackCall } from './call-tracker.js';
import type { CallNotice, CallSnapshot, TrackerInput, TrackerResult } from './call-tracker.js';
import { resolveParties } from './user-resolution.js';

const { Answered, Busy, Cancel, NoAnswer, Unknown } = VoipCallDisposition;
const CLIENT = '+74951234567';
const DID = '+74950000000';
const BINDINGS = new Map([
  ['101', 'u1'],
  ['102', 'u2'],
  ['103', 'u3'],
]);
const T0 = Date.parse('2024-05-01T10:00:00.000Z');
const time = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

/** One scripted input; `at` in seconds from T0 (default: 10 s per position). */
type Step = ({ kind: 'event'; event: VoipWebhookRequest } | { kind: 'record'; record: VoipCallRecord }) & {
  at?: number;
};
interface Options {
  out?: boolean;
  callId?: string;
  at?: number;
}

/** An event for agent `ext`; '' is an event naming no agent (IVR, queue, a call-level end). */
function event(kind: VoipWebhookEvent, ext: string, disposition: VoipCallDisposition, o: Options = {}): Step {
  const agent = ext === '' ? DID : ext;
  const numbers = o.out
    ? { direction: VoipCallDirection.Out, srcPhone: agent, dstPhone: CLIENT }
    : { direction: VoipCallDirection.In, srcPhone: CLIENT, dstPhone: agent };
  return { kind: 'event', event: { event: kind, ...numbers, disposition, callId: o.callId ?? 'c1' }, at: o.at };
}
const start = (ext: string, o?: Options) => event(VoipWebhookEvent.NotifyStart, ext, Unknown, o);
const answer = (ext: string, o?: Options) => event(VoipWebhookEvent.NotifyAnswer, ext, Unknown, o);
const end = (ext: string, disposition: VoipCallDisposition = Unknown, o?: Options) =>
  event(VoipWebhookEvent.NotifyEnd, ext, disposition, o);
function record(ext: string, disposition: VoipCallDisposition, duration: number, call: unknown, at?: number): Step {
  const numbers = { direction: VoipCallDirection.In, srcPhone: CLIENT, dstPhone: ext === '' ? DID : ext };
  return { kind: 'record', record: { ...numbers, disposition, duration, call, callId: 'c1' }, at };
}

function input(step: Step, position: number): TrackerInput {
  const at = time(step.at ?? position * 10);
  const source = step.kind === 'event' ? step.event : step.record;
  const parties = resolveParties(source, BINDINGS);
  return step.kind === 'event' ? { ...step, parties, at } : { ...step, parties, at };
}

/** Feeds the steps through `trackCall` as the intake would, snapshot after snapshot. */
function replay(steps: Step[], from?: CallSnapshot) {
  let next = 0;
  const deps = { newId: () => `id-${++next}`, connectionId: 'conn' };
  let snapshot = from;
  const results: TrackerResult[] = [];
  steps.forEach((step, position) => {
    const result = trackCall(snapshot, input(step, position), deps);
    snapshot = result.snapshot;
    results.push(result);
  });
  if (snapshot === undefined) throw new Error('replay needs at least one step');
  const { call, legs } = snapshot;
  return {
    snapshot,
    call,
    legs,
    results,
    outcomes: Object.fromEntries(legs.map((leg) => [leg.extension, leg.outcome])),
    kinds: results.flatMap((result) => result.timeline.map((entry) => entry.kind)),
    notices: results.flatMap((result) => result.notices),
  };
}

const sorted = (notice: CallNotice | undefined) => notice && { ...notice, userIds: [...notice.userIds].sort() };
const noticeTypes = (notices: CallNotice[]) => notices.map((notice) => notice.type);

describe('trackCall: one agent', () => {
  it('rings, talks and ends, with notices and duration from answer to end', () => {
    const run = replay([start('101'), answer('101'), end('101')]);
    expect(run.call).toMatchObject({
      status: 'ended',
      external_id: 'c1',
      direction: 'in',
      client_number: CLIENT,
      disposition: Answered,
      missed: 0,
      owner_id: 'u1',
      started_at: time(0),
      answered_at: time(10),
      ended_at: time(20),
      duration: 10,
      has_recording: 0,
    });
    expect(run.legs).toHaveLength(1);
    expect(run.legs[0]).toMatchObject({ extension: '101', user_id: 'u1', status: 'ended', outcome: 'answered' });
    expect(run.kinds).toEqual(['event.start', 'event.answer', 'event.end']);
    expect(run.notices).toEqual([
      { type: 'call.ringing', userIds: ['u1'] },
      { type: 'call.answered', userIds: ['u1'] },
      { type: 'call.ended', userIds: ['u1'] },
    ]);
    expect(run.results.map((result) => result.snapshot.call.status)).toEqual(['ringing', 'talking', 'ended']);
  });

  it('never touches the snapshot it was given', () => {
    const first = replay([start('101')]).snapshot;
    const frozen = structuredClone(first);
    replay([answer('101'), end('101')], first);
    expect(first).toEqual(frozen);
  });
});

describe('trackCall: group ringing', () => {
  it('one answers: the others end answered_elsewhere and every rung user hears of the answer', () => {
    const run = replay([start('101'), start('102'), start('105'), answer('102'), end('102')]);
    expect(run.outcomes).toEqual({ '101': 'answered_elsewhere', '102': 'answered', '105': 'answered_elsewhere' });
    expect(run.legs.find((leg) => leg.extension === '105')?.user_id).toBeNull();
    expect(run.call).toMatchObject({ status: 'ended', owner_id: 'u2', disposition: Answered, missed: 0 });
    expect(run.results[1]?.snapshot.call.owner_id).toBe('u1');
    expect(run.results[3]?.notices.map(sorted)).toEqual([{ type: 'call.answered', userIds: ['u1', 'u2'] }]);
    expect(run.results[2]?.notices).toEqual([]);
  });

  it("the losers' own cancel events arrive later and change nothing", () => {
    const base = [start('101'), start('102'), answer('101')];
    const run = replay([...base, end('102', Cancel), end('101')]);
    expect(run.outcomes).toEqual({ '101': 'answered', '102': 'answered_elsewhere' });
    expect(run.kinds[3]).toBe('ignored.duplicate');
    expect(run.call.status).toBe('ended');
  });
});

describe('trackCall: missed calls', () => {
  it.each([
    ['per-leg ends', [start('101'), start('102'), end('101', Cancel), end('102', Cancel)], Cancel, 'cancelled'],
    ['one call-level end', [start('101'), start('102'), end('', NoAnswer)], NoAnswer, 'missed'],
    ['busy', [start('101'), start('102'), end('', Busy)], Busy, 'busy'],
  ])('incoming, nobody answered (%s): missed, admins told', (_name, steps, disposition, outcome) => {
    const run = replay(steps);
    expect(run.call).toMatchObject({ status: 'ended', missed: 1, disposition, owner_id: 'u1', duration: 0 });
    expect(run.outcomes).toEqual({ '101': outcome, '102': outcome });
    expect(run.notices.filter((notice) => notice.type === 'call.missed').map(sorted)).toEqual([
      { type: 'call.missed', userIds: ['u1', 'u2'], toAdmins: true },
    ]);
    expect(noticeTypes(run.results.at(-1)?.notices ?? [])).toEqual(['call.ended', 'call.missed']);
  });

  it('the call does not end while another leg still rings', () => {
    const run = replay([start('101'), start('102'), end('101', NoAnswer)]);
    expect(run.call.status).toBe('ringing');
    expect(run.outcomes).toEqual({ '101': 'missed', '102': null });
  });

  it('a call lost in the IVR is missed with nobody to tell but admins', () => {
    const run = replay([start(''), end('', Cancel)]);
    expect(run.legs).toEqual([]);
    expect(run.call).toMatchObject({ status: 'ended', missed: 1, owner_id: null, client_number: CLIENT });
    expect(run.notices).toEqual([{ type: 'call.missed', userIds: [], toAdmins: true }]);
  });

  it.each([
    ['no answer', NoAnswer],
    ['busy', Busy],
    ['cancelled', Cancel],
  ])('outgoing, %s: not missed', (_name, disposition) => {
    const run = replay([start('101', { out: true }), end('101', disposition, { out: true })]);
    expect(run.call).toMatchObject({ direction: 'out', status: 'ended', missed: 0, disposition, owner_id: 'u1' });
    expect(noticeTypes(run.notices)).toEqual(['call.ringing', 'call.ended']);
  });

  it('an unnamed end that says Answered is not missed, though nobody was seen answering', () => {
    const run = replay([start('101'), end('', Answered)]);
    expect(run.call).toMatchObject({ missed: 0, disposition: Answered, answered_at: null, duration: null });
    expect(run.outcomes).toEqual({ '101': 'answered_elsewhere' });
  });
});

describe('trackCall: IVR and unnamed agents', () => {
  it('events without an extension move the call, create no leg, and agents join later', () => {
    const run = replay([start(''), start('101'), answer('101'), end('101')]);
    expect(run.legs.map((leg) => leg.extension)).toEqual(['101']);
    expect(run.results[0]?.snapshot.call.status).toBe('ringing');
    expect(run.call).toMatchObject({ status: 'ended', owner_id: 'u1', missed: 0 });
  });

  it('an unnamed answer leaves ringing legs open for their own events', () => {
    const run = replay([start('101'), start('102'), answer(''), end('102'), end('101', Cancel)]);
    expect(run.results[2]?.snapshot.call.status).toBe('talking');
    expect(run.results[2]?.notices.map(sorted)).toEqual([{ type: 'call.answered', userIds: ['u1', 'u2'] }]);
    expect(run.results[3]?.snapshot.call.status).toBe('talking');
    expect(run.call).toMatchObject({ status: 'ended', missed: 0, disposition: Answered });
    expect(run.outcomes).toEqual({ '101': 'cancelled', '102': 'missed' });
  });
});

describe('trackCall: transfers', () => {
  it('A talks, B rings, A ends, B answers: the call stays open and B owns it', () => {
    const run = replay([start('101'), answer('101'), start('102'), end('101'), answer('102'), end('102')]);
    const statuses = run.results.map((result) => result.snapshot.call.status);
    expect(statuses).toEqual(['ringing', 'talking', 'talking', 'talking', 'talking', 'ended']);
    expect(run.outcomes).toEqual({ '101': 'transferred', '102': 'answered' });
    expect(run.call).toMatchObject({ owner_id: 'u2', disposition: Answered, missed: 0, duration: 40 });
    expect(run.results[2]?.notices).toEqual([{ type: 'call.ringing', userIds: ['u2'] }]);
    expect(noticeTypes(run.notices).filter((type) => type === 'call.ended')).toHaveLength(1);
  });

  it('B never answers: the owner stays the last agent who answered', () => {
    const run = replay([start('101'), answer('101'), start('102'), end('101'), end('102', NoAnswer)]);
    expect(run.outcomes).toEqual({ '101': 'transferred', '102': 'missed' });
    expect(run.call).toMatchObject({ status: 'ended', owner_id: 'u1', disposition: Answered, missed: 0 });
  });
});

describe('trackCall: shuffled delivery', () => {
  it('an answer for a leg never seen starting creates it talking; its late start is ignored', () => {
    const run = replay([answer('101'), start('101'), end('101')]);
    expect(run.results[0]?.snapshot.legs[0]).toMatchObject({ status: 'talking', answered_at: time(0) });
    expect(run.results[0]?.notices).toEqual([{ type: 'call.answered', userIds: ['u1'] }]);
    expect(run.kinds).toEqual(['event.answer', 'ignored.out_of_order', 'event.end']);
    expect(run.call).toMatchObject({ status: 'ended', owner_id: 'u1', missed: 0, duration: 20 });
  });

  it('an end saying Answered before the answer: the leg counts as answered; the late answer is ignored', () => {
    const run = replay([start('101'), end('101', Answered), answer('101')]);
    expect(run.outcomes).toEqual({ '101': 'answered' });
    expect(run.call).toMatchObject({ status: 'ended', missed: 0, disposition: Answered, answered_at: time(10) });
    expect(run.kinds).toEqual(['event.start', 'event.end', 'ignored.out_of_order']);
    expect(run.results[2]?.notices).toEqual([]);
    expect(run.results[2]?.snapshot).toEqual(run.results[1]?.snapshot);
  });

  it('an end before the start leaves the leg ended', () => {
    const run = replay([end('101', NoAnswer), start('101')]);
    expect(run.legs).toHaveLength(1);
    expect(run.legs[0]).toMatchObject({ status: 'ended', outcome: 'missed', user_id: 'u1' });
    expect(run.call).toMatchObject({ status: 'ended', missed: 1, owner_id: 'u1' });
    expect(run.kinds).toEqual(['event.end', 'ignored.out_of_order']);
    expect(run.results[1]?.timeline[0]?.detail).toMatchObject({ event: 'start', extension: '101', state: 'ended' });
  });

  it("a leg's late start while the call goes on leaves that leg ended", () => {
    const run = replay([start('101'), start('102'), end('102', Busy), start('102')]);
    expect(run.outcomes).toEqual({ '101': null, '102': 'busy' });
    expect(run.call.status).toBe('ringing');
    expect(run.kinds.at(-1)).toBe('ignored.out_of_order');
  });
});

describe('trackCall: duplicates', () => {
  const script: Step[] = [start('101'), answer('101'), end('101'), record('101', Answered, 9, { id: 'r1' })].map(
    (step, position) => ({ ...step, at: position * 10 }),
  );
  const once = replay(script);

  it.each(script.map((step, position) => [step.kind === 'event' ? step.event.event : 'record', position] as const))(
    '%s twice: one effect and an ignored.duplicate entry',
    (_name, position) => {
      const doubled = [...script.slice(0, position + 1), ...script.slice(position)];
      const twice = replay(doubled);
      expect(twice.snapshot).toEqual(once.snapshot);
      expect(twice.notices).toEqual(once.notices);
      expect(twice.kinds).toEqual([
        ...once.kinds.slice(0, position + 1),
        'ignored.duplicate',
        ...once.kinds.slice(position + 1),
      ]);
    },
  );

  it('an IVR start twice is one start', () => {
    const run = replay([start(''), start('')]);
    expect(run.kinds).toEqual(['event.start', 'ignored.duplicate']);
  });
});

describe('trackCall: call records', () => {
  it('a record sets the direction and client taken from a side leg that came first', () => {
    // A consultation between agents 101 and 102 delivered before the client's leg looks internal.
    const consultation: Step = {
      kind: 'event',
      event: {
        event: VoipWebhookEvent.NotifyStart,
        direction: VoipCallDirection.Internal,
        srcPhone: '101',
        dstPhone: '102',
        disposition: Unknown,
        callId: 'c1',
      },
    };
    const run = replay([consultation, answer('101'), end('101', Answered), record('101', Answered, 40, null)]);
    expect(run.call).toMatchObject({ direction: 'in', client_number: CLIENT, src_phone: CLIENT, missed: 0 });
  });

  it('a record after the events attaches, keeps its duration and the call data', () => {
    const run = replay([start('101'), answer('101'), end('101'), record('101', Answered, 42, { recordingId: 'r1' })]);
    expect(run.results[2]?.snapshot.call.duration).toBe(10);
    expect(run.call).toMatchObject({
      status: 'ended',
      duration: 42,
      disposition: Answered,
      call_data: '{"recordingId":"r1"}',
      has_recording: 1,
      ended_at: time(20),
    });
    expect(run.legs).toHaveLength(1);
    expect(run.results[3]?.notices).toEqual([{ type: 'call.recorded', userIds: ['u1'] }]);
    expect(run.kinds.at(-1)).toBe('record');
  });

  it('a repeated record with details (a rating) notes them in the timeline and changes nothing else', () => {
    const first = record('101', Answered, 42, null);
    const rated: Step =
      first.kind === 'record' ? { ...first, record: { ...first.record, details: { rating: 5 } } } : first;
    const run = replay([start('101'), answer('101'), end('101'), first, rated]);
    expect(run.kinds.slice(-2)).toEqual(['record', 'record']);
    expect(run.results[4]?.timeline[0]?.detail).toMatchObject({ record: true, details: { rating: 5 } });
    expect(run.call).toMatchObject({ duration: 42, has_recording: 0, call_data: 'null', status: 'ended' });
    // The agent's view of the record changed, so they hear of it as of any new record.
    expect(run.results[4]?.notices).toEqual([{ type: 'call.recorded', userIds: ['u1'] }]);
  });

  it('a record before the events makes the call; the events that follow are out of order', () => {
    const run = replay([record('101', Answered, 42, { recordingId: 'r1' }), start('101'), answer('101'), end('101')]);
    expect(run.call).toMatchObject({
      status: 'ended',
      external_id: 'c1',
      duration: 42,
      missed: 0,
      disposition: Answered,
      owner_id: 'u1',
      has_recording: 1,
      answered_at: null,
    });
    expect(run.outcomes).toEqual({ '101': 'answered' });
    expect(run.kinds).toEqual(['record', 'ignored.out_of_order', 'ignored.out_of_order', 'ignored.out_of_order']);
    expect(run.results.slice(1).every((result) => result.notices.length === 0)).toBe(true);
    expect(run.snapshot).toEqual(run.results[0]?.snapshot);
  });

  it('a record while the call is open ends it', () => {
    const run = replay([
      start('101'),
      start('102'),
      answer('101'),
      record('101', Answered, 5, { id: 'x' }),
      end('101'),
    ]);
    expect(run.results[3]?.snapshot.call).toMatchObject({ status: 'ended', ended_at: time(30), duration: 5 });
    expect(run.outcomes).toEqual({ '101': 'answered', '102': 'answered_elsewhere' });
    expect(noticeTypes(run.results[3]?.notices ?? [])).toEqual(['call.ended', 'call.recorded']);
    expect(run.kinds.at(-1)).toBe('ignored.out_of_order');
  });

  it('Answered in the record un-misses a call whose answer was never seen', () => {
    const run = replay([start('101'), end('', NoAnswer), record('101', Answered, 30, { id: 'x' })]);
    expect(run.results[1]?.snapshot.call.missed).toBe(1);
    expect(run.call).toMatchObject({ missed: 0, disposition: Answered, duration: 30 });
  });

  it('a record for a call already missed does not announce it again', () => {
    const run = replay([start('101'), end('', NoAnswer), record('101', NoAnswer, 0, { id: 'x' })]);
    expect(run.call.missed).toBe(1);
    expect(run.results[2]?.notices).toEqual([{ type: 'call.recorded', userIds: ['u1'] }]);
  });

  it('a missed record with nothing before it tells admins', () => {
    const run = replay([record('101', NoAnswer, 0, null)]);
    expect(run.call).toMatchObject({ status: 'ended', missed: 1, call_data: 'null', has_recording: 0 });
    expect(run.outcomes).toEqual({ '101': 'missed' });
    expect(noticeTypes(run.notices)).toEqual(['call.ended', 'call.missed', 'call.recorded']);
    expect(run.notices[1]).toEqual({ type: 'call.missed', userIds: ['u1'], toAdmins: true });
  });

  it.each([
    [{}, 0],
    [[], 0],
    ['', 0],
    [undefined, 0],
    [{ link: 'https://pbx.example/r.mp3' }, 1],
    ['r-17', 1],
  ])('call data %j: has_recording %s', (data, flag) => {
    expect(replay([record('101', Answered, 1, data)]).call.has_recording).toBe(flag);
  });

  it('a later record with new data updates the call; one with empty data keeps the earlier data', () => {
    const first = record('101', Answered, 42, { id: 'r1' });
    const richer = record('101', Answered, 42, { id: 'r1', link: 'https://pbx.example/r1.mp3' });
    const updated = replay([first, richer]);
    expect(updated.call.call_data).toBe('{"id":"r1","link":"https://pbx.example/r1.mp3"}');
    expect(updated.kinds).toEqual(['record', 'record']);
    const kept = replay([first, record('101', Answered, 43, {})]);
    expect(kept.call).toMatchObject({ call_data: '{"id":"r1"}', has_recording: 1, duration: 43 });
  });

  it('call data JSON cannot hold is explained, not thrown', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const run = replay([record('101', Answered, 1, circular)]);
    expect(run.call).toMatchObject({ call_data: 'null', has_recording: 0, duration: 1 });
    expect(run.results[0]?.timeline[0]?.detail.callDataError).toMatch(/not JSON-serialisable/);
  });

  it('a duration given as a string of digits is read as seconds', () => {
    const step = record('101', Answered, 0, { id: 'x' });
    if (step.kind === 'record') Object.assign(step.record, { duration: '17' });
    expect(replay([step]).call.duration).toBe(17);
  });
});

describe('trackCall: legacy modules', () => {
  it('an outgoing call with the extension in dstPhone tracks the agent and is not missed', () => {
    const legacy = (kind: VoipWebhookEvent, disposition = Unknown): Step => ({
      kind: 'event',
      event: { event: kind, direction: VoipCallDirection.Out, srcPhone: CLIENT, dstPhone: '101', disposition },
    });
    const run = replay([legacy(VoipWebhookEvent.NotifyStart), legacy(VoipWebhookEvent.NotifyEnd, NoAnswer)]);
    expect(run.call).toMatchObject({ external_id: null, client_number: CLIENT, owner_id: 'u1', missed: 0 });
    expect(run.legs.map((leg) => [leg.extension, leg.user_id])).toEqual([['101', 'u1']]);
  });
});

describe('callLookup', () => {
  const lookup = (step: Step) => callLookup(input(step, 0));

  it('events with a callId: by the external id only', () => {
    expect(lookup(start('101'))).toEqual([{ by: 'external_id', externalId: 'c1' }]);
  });

  it('events without one: by the numbers of an open call', () => {
    expect(lookup(start('101', { callId: '  ' }))).toEqual([
      { by: 'numbers', direction: 'in', srcPhone: CLIENT, dstPhone: '101', openOnly: true, withoutExternalId: false },
    ]);
  });

  it('records: by id, then by numbers and time among calls without an id', () => {
    const [byId, byNumbers] = lookup(record('101', Answered, 60, {}, 7200));
    expect(byId).toEqual({ by: 'external_id', externalId: 'c1' });
    expect(byNumbers).toEqual({
      by: 'numbers',
      direction: 'in',
      srcPhone: CLIENT,
      dstPhone: '101',
      openOnly: false,
      withoutExternalId: true,
      startedFrom: time(7200 - 60 - RECORD_MATCH_WINDOW_SECONDS),
      startedTo: time(7200),
    });
  });
});
