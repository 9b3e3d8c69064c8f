/**
 * A call rebuilt from everything reported about it, in the provider's order. Providers deliver a call's
 * notifications in parallel, so they arrive shuffled; `trackCall` alone would take them in arrival
 * order. Each new input is stored with the call, and the call is folded again from all its inputs
 * sorted by when they happened: events by `occurredAt` (the receive time when the module gives none),
 * records after every event, ties in arrival order. With arrival-ordered inputs this is exactly the
 * incremental fold, so modules that report no time behave as before.
 *
 * Users are told only what the new input changed: the notices of the fold over all inputs less those
 * already given (kept with the inputs, so each new input costs one fold). An agent hears that a call
 * ended, or was missed, once; a call that has ended rings nobody. Past `MAX_REPLAYED_INPUTS` inputs a call
 * takes them in arrival order.
 */
import type { CallLeg } from '../storage/schema.js';
import {
  trackCall,
  type CallNotice,
  type CallNoticeType,
  type CallSnapshot,
  type TrackerDeps,
  type TrackerInput,
  type TrackerResult,
  type TrackerTimelineEntry,
} from './call-tracker.js';

/** What the call was known as before this input: its stored snapshot and every input so far, in arrival order. */
export interface CallHistory {
  snapshot: CallSnapshot;
  inputs: TrackerInput[];
  /** What users have been told so far, as `replayCall` returned it last; recomputed when absent. */
  told?: Told;
}

/** How often each (notice type, user) has been told. */
export type Told = Record<string, number>;

export interface ReplayResult extends TrackerResult {
  /** Store it with the input, and hand it back in the next `CallHistory`. */
  told: Told;
}

/** Told at most once per call and user, however often a fold reaches it. */
const ONCE: ReadonlySet<CallNoticeType> = new Set(['call.ended', 'call.missed']);
const ADMINS = '@admins';
/** Calls have tens of inputs (a long queue call with transfers, a hundred); 300 is a PBX resending one without end. */
export const MAX_REPLAYED_INPUTS = 300;

/**
 * Applies `input` to the call of `history` (a new call when undefined). The snapshot keeps the stored
 * call's and legs' ids and what the tracker does not decide (contact, click-to-call link); the timeline
 * holds what the new input did.
 */
export function replayCall(history: CallHistory | undefined, input: TrackerInput, deps: TrackerDeps): ReplayResult {
  // A new call, or one stored before its inputs were kept, can only go on from where it stands.
  if (!history || history.inputs.length === 0) {
    return { ...trackCall(history?.snapshot, input, deps), told: toldBy([input], deps) };
  }
  // A flood (a PBX resending one call without end) would make every fold longer: past the cap, arrival order.
  if (history.inputs.length >= MAX_REPLAYED_INPUTS) {
    return { ...trackCall(history.snapshot, input, deps), told: history.told ?? {} };
  }
  const told = new Map(Object.entries(history.told ?? toldBy(history.inputs, deps)));
  const result = fold([...history.inputs, input], deps);
  const notices = tell(result, told);
  return {
    snapshot: keepIdentity(result.snapshot, history.snapshot, deps),
    timeline: result.timeline,
    notices,
    told: Object.fromEntries(told),
  };
}

/** What folding each arrival-order prefix of `inputs` told, for inputs stored without it. */
function toldBy(inputs: TrackerInput[], deps: TrackerDeps): Told {
  const told = new Map<string, number>();
  for (let n = 1; n <= inputs.length; n++) tell(fold(inputs.slice(0, n), deps), told);
  return Object.fromEntries(told);
}

interface Fold {
  snapshot: CallSnapshot;
  /** The timeline entries of the newest input (the last one of the slice). */
  timeline: TrackerTimelineEntry[];
  /** How many times each (type, user) was noticed over the whole fold. */
  counts: Map<string, number>;
}

function fold(inputs: TrackerInput[], deps: TrackerDeps): Fold {
  const newest = inputs[inputs.length - 1];
  let snapshot: CallSnapshot | undefined;
  let timeline: TrackerTimelineEntry[] = [];
  const counts = new Map<string, number>();
  for (const input of providerOrder(inputs)) {
    const step = trackCall(snapshot, input, deps);
    snapshot = step.snapshot;
    if (input === newest) timeline = step.timeline;
    for (const notice of step.notices) {
      for (const target of targets(notice))
        counts.set(key(notice.type, target), (counts.get(key(notice.type, target)) ?? 0) + 1);
    }
  }
  return { snapshot: snapshot!, timeline, counts };
}

/** The notices `fold` owes beyond what `told` has given; `told` is brought up to date. */
function tell(result: Fold, told: Map<string, number>): CallNotice[] {
  const ended = result.snapshot.call.status === 'ended';
  const byType = new Map<CallNoticeType, Set<string>>();
  for (const [name, count] of result.counts) {
    const [type, target] = split(name);
    if (ended && type === 'call.ringing') continue;
    const owed = (ONCE.has(type) ? 1 : count) - (told.get(name) ?? 0);
    if (owed <= 0) continue;
    told.set(name, (told.get(name) ?? 0) + owed);
    if (!byType.has(type)) byType.set(type, new Set());
    byType.get(type)!.add(target);
  }
  return [...byType].map(([type, set]) => {
    const userIds = [...set].filter((target) => target !== ADMINS);
    return set.has(ADMINS) ? { type, userIds, toAdmins: true } : { type, userIds };
  });
}

/** Events by when they happened, then records; a stable sort keeps arrival order for ties. */
function providerOrder(inputs: TrackerInput[]): TrackerInput[] {
  const when = (input: TrackerInput) =>
    input.kind === 'event' && typeof input.event.occurredAt === 'string' ? input.event.occurredAt : input.at;
  return [...inputs].sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === 'event' ? -1 : 1;
    return a.kind === 'record' ? 0 : when(a) < when(b) ? -1 : when(a) > when(b) ? 1 : 0;
  });
}

/** The fold made new ids; the call and its legs keep the ones they were stored with. */
function keepIdentity(folded: CallSnapshot, stored: CallSnapshot, deps: TrackerDeps): CallSnapshot {
  const legIds = new Map(stored.legs.map((leg) => [leg.extension, leg.id]));
  const call = {
    ...folded.call,
    id: stored.call.id,
    contact_id: stored.call.contact_id,
    origination_id: stored.call.origination_id,
  };
  const legs: CallLeg[] = folded.legs.map((leg) => ({
    ...leg,
    id: legIds.get(leg.extension) ?? deps.newId(),
    call_id: call.id,
  }));
  return { call, legs };
}

function targets(notice: CallNotice): string[] {
  return notice.toAdmins ? [...notice.userIds, ADMINS] : notice.userIds;
}

function key(type: CallNoticeType, target: string): string {
  return `${type} ${target}`;
}

function split(name: string): [CallNoticeType, string] {
  const space = name.indexOf(' ');
  return [name.slice(0, space) as CallNoticeType, name.slice(space + 1)];
}
